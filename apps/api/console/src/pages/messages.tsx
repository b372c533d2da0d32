import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  ActionBadge,
  ActionSelect,
  DayRangeFields,
  Empty,
  ErrorNote,
  Field,
  Loading,
  Page,
  SearchForm,
} from '../components/ui';
import { useApi } from '../hooks';
import { dayToIso, formatScore, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { Session, VerdictPage } from '../types';

const FIELDS = ['sender', 'subject', 'fromDay', 'toDay', 'action', 'user'] as const;
type Form = Record<(typeof FIELDS)[number], string>;

/**
 * A user's mail (a domain admin's: the domain's; an operator's: everyone's) with the verdict of each message, newest
 * first, searchable by sender, subject and date. "Refused for me" is the same list narrowed to refused mail.
 */
export function MessagesPage(props: { session: Session; refused?: boolean }) {
  const [params, setParams] = useSearchParams();
  const read = (): Form => Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as Form;
  const [form, setForm] = useState<Form>(read);
  const applied = read();
  const before = params.get('before') ?? '';
  const path = `/v1/verdicts${toQuery({
    limit: 50,
    sender: applied.sender,
    subject: applied.subject,
    from: dayToIso(applied.fromDay),
    to: dayToIso(applied.toDay, true),
    action: props.refused ? 'reject' : applied.action,
    user: applied.user,
    before,
  })}`;
  const page = useApi<VerdictPage>(path);
  const admin = props.session.role !== 'user';

  const search = () => {
    const next = new URLSearchParams();
    for (const f of FIELDS) if (form[f].trim()) next.set(f, form[f].trim());
    setParams(next);
  };

  const title = props.refused
    ? 'Refused for me'
    : props.session.role === 'domain_admin'
      ? `Mail of ${props.session.domain ?? 'your domain'}`
      : props.session.role === 'operator'
        ? 'Mail of every mailbox'
        : 'My mail';
  const intro = props.refused
    ? 'Messages the filter refused for you, and why. The sender was told at once (the message was not delivered anywhere). Open one to see the reasons; if it was wanted, mark it as not spam or allow the sender.'
    : 'Every message the filter judged for you, with its verdict. Open one to see why, and to mark it as spam or not spam.';

  return (
    <Page title={title} intro={intro}>
      <SearchForm
        label="Search mail"
        onSubmit={search}
        buttons={
          <button
            type="button"
            onClick={() => {
              setForm(Object.fromEntries(FIELDS.map((f) => [f, ''])) as Form);
              setParams(new URLSearchParams());
            }}
          >
            Clear
          </button>
        }
      >
        <Field label="Sender contains">
          {(id) => (
            <input
              id={id}
              value={form.sender}
              onChange={(e) => setForm({ ...form, sender: e.target.value })}
            />
          )}
        </Field>
        <Field label="Subject contains">
          {(id) => (
            <input
              id={id}
              value={form.subject}
              onChange={(e) => setForm({ ...form, subject: e.target.value })}
            />
          )}
        </Field>
        <DayRangeFields
          fromDay={form.fromDay}
          toDay={form.toDay}
          onChange={(k, day) => setForm({ ...form, [k]: day })}
        />
        {props.refused ? null : (
          <ActionSelect value={form.action} onChange={(action) => setForm({ ...form, action })} />
        )}
        {admin ? (
          <Field label="Mailbox">
            {(id) => (
              <input
                id={id}
                type="email"
                placeholder="anyone"
                value={form.user}
                onChange={(e) => setForm({ ...form, user: e.target.value })}
              />
            )}
          </Field>
        ) : null}
      </SearchForm>
      <ErrorNote error={page.error} what="Could not load the mail" />
      <Loading loading={page.loading && !page.data} />
      {page.data && page.data.items.length === 0 ? <Empty>No messages match.</Empty> : null}
      {page.data && page.data.items.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              {admin ? <th scope="col">Mailbox</th> : null}
              <th scope="col">From</th>
              <th scope="col">Subject</th>
              <th scope="col">Verdict</th>
              <th scope="col" className="num">
                Score
              </th>
              <th scope="col">Marked</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((v) => (
              <tr key={`${v.reference}:${v.recipient}`}>
                <td className="nowrap">{formatTime(v.createdAt)}</td>
                {admin ? <td>{v.recipient}</td> : null}
                <td className="clip">{v.sender ?? '—'}</td>
                <td>
                  <Link to={`/messages/${v.reference}${admin ? toQuery({ recipient: v.recipient }) : ''}`}>
                    {v.subject?.trim() || '(no subject)'}
                  </Link>
                </td>
                <td>
                  <ActionBadge action={v.action} />
                </td>
                <td className="num">{formatScore(v.score)}</td>
                <td>{v.mark === 'spam' ? 'Spam' : v.mark === 'ham' ? 'Not spam' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <nav className="pager" aria-label="Pages">
        {before ? (
          <button
            type="button"
            onClick={() => {
              const next = new URLSearchParams(params);
              next.delete('before');
              setParams(next);
            }}
          >
            Newest
          </button>
        ) : null}
        {page.data?.next ? (
          <button
            type="button"
            onClick={() => {
              const next = new URLSearchParams(params);
              next.set('before', page.data!.next!);
              setParams(next);
            }}
          >
            Older
          </button>
        ) : null}
      </nav>
    </Page>
  );
}
