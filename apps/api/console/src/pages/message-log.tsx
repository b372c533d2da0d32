import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import {
  ActionBadge,
  ActionSelect,
  DayRangeFields,
  Empty,
  ErrorNote,
  Field,
  Loading,
  Page,
  Pager,
  SearchForm,
} from '../components/ui';
import { useApi } from '../hooks';
import { dayToIso, formatScore, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { MessageLogPage as LogPage } from '../types';

const FIELDS = ['reference', 'sender', 'recipient', 'ip', 'fromDay', 'toDay', 'action', 'direction'] as const;
type Form = Record<(typeof FIELDS)[number], string>;
const LIMIT = 50;
const REFERENCE = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

/**
 * The message log for support and abuse staff: find a verdict by its reference (the one in a bounce), or by sender,
 * recipient, client IP, time, verdict and direction; each opens the full transcript.
 */
export function MessageLogPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const read = (): Form => Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as Form;
  const [form, setForm] = useState<Form>(read);
  const applied = read();
  const offset = Number(params.get('offset') ?? '0') || 0;
  const path = `/v1/operator/messages${toQuery({
    reference: applied.reference,
    sender: applied.sender,
    recipient: applied.recipient,
    ip: applied.ip,
    from: dayToIso(applied.fromDay),
    to: dayToIso(applied.toDay, true),
    action: applied.action,
    direction: applied.direction,
    limit: LIMIT,
    offset,
  })}`;
  const page = useApi<LogPage>(path);

  const search = () => {
    const ref = form.reference.trim();
    if (REFERENCE.test(ref)) {
      void navigate(`/operator/messages/${ref.toUpperCase()}`);
      return;
    }
    const next = new URLSearchParams();
    for (const f of FIELDS) if (form[f].trim()) next.set(f, form[f].trim());
    setParams(next);
  };
  const set = (f: keyof Form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [f]: e.target.value });

  return (
    <Page title="Message log" intro="Paste the reference from a bounce to open that verdict, or search.">
      <SearchForm label="Search the message log" onSubmit={search}>
        <Field label="Reference">
          {(id) => <input id={id} className="mono" value={form.reference} onChange={set('reference')} />}
        </Field>
        <Field label="Envelope sender">
          {(id) => <input id={id} value={form.sender} onChange={set('sender')} />}
        </Field>
        <Field label="Recipient">
          {(id) => <input id={id} value={form.recipient} onChange={set('recipient')} />}
        </Field>
        <Field label="Client IP">{(id) => <input id={id} value={form.ip} onChange={set('ip')} />}</Field>
        <DayRangeFields
          fromDay={form.fromDay}
          toDay={form.toDay}
          onChange={(k, day) => setForm({ ...form, [k]: day })}
        />
        <ActionSelect value={form.action} onChange={(action) => setForm({ ...form, action })} />
        <Field label="Direction">
          {(id) => (
            <select id={id} value={form.direction} onChange={set('direction')}>
              <option value="">Both</option>
              <option value="inbound">Inbound</option>
              <option value="outbound">Outbound</option>
            </select>
          )}
        </Field>
      </SearchForm>
      <ErrorNote error={page.error} what="Could not search" />
      <Loading loading={page.loading && !page.data} />
      {page.data && page.data.items.length === 0 ? <Empty>No messages match.</Empty> : null}
      {page.data && page.data.items.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">Messages</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Direction</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Verdict</th>
              <th scope="col" className="num">
                Score
              </th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((m) => (
              <tr key={m.reference}>
                <td className="nowrap">
                  <Link to={`/operator/messages/${m.reference}`}>{formatTime(m.createdAt)}</Link>
                </td>
                <td>{m.direction}</td>
                <td className="clip">{m.mailFrom || '<>'}</td>
                <td className="clip">{m.recipients.map((r) => r.recipient).join(', ')}</td>
                <td className="clip">{m.subject ?? ''}</td>
                <td>
                  <ActionBadge action={m.action} />
                </td>
                <td className="num">{formatScore(m.score)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {page.data ? (
        <Pager
          offset={offset}
          limit={LIMIT}
          hasMore={page.data.hasMore}
          labels={['Newer', 'Older']}
          onPage={(o) => {
            const next = new URLSearchParams(params);
            next.set('offset', String(o));
            setParams(next);
          }}
        />
      ) : null}
    </Page>
  );
}
