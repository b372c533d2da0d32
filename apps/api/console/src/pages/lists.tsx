import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api';
import { DoneNote, Empty, ErrorNote, Field, Loading, Page } from '../components/ui';
import { useAction, useApi } from '../hooks';
import { dayToIso, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { ListEntry, Session } from '../types';

type Scope = 'user' | 'domain' | 'global';

const MATCH_LABELS = {
  address: 'Address',
  domain: 'Domain',
  ip: 'IP address',
  cidr: 'Network (CIDR)',
} as const;
const DIRECTION_LABELS = { inbound: 'Mail to us', outbound: 'Mail we send', both: 'Both' } as const;

interface Draft {
  kind: 'allow' | 'block';
  matchType: keyof typeof MATCH_LABELS;
  value: string;
  direction: keyof typeof DIRECTION_LABELS;
  reason: string;
  expires: string;
}

const EMPTY: Draft = {
  kind: 'block',
  matchType: 'address',
  value: '',
  direction: 'inbound',
  reason: '',
  expires: '',
};

/**
 * Allow and block lists: a user's own (entries the learner made from their spam marks included, with the marks
 * behind them), a domain's (its admins), the global one (operators). A domain admin may open one user's list with
 * ?user=.
 */
export function ListsPage(props: { session: Session; scope: Scope }) {
  const [params] = useSearchParams();
  const user = params.get('user');
  const scopeQuery = user ? { scope: 'user', user } : props.scope === 'user' ? {} : { scope: props.scope };
  const entries = useApi<ListEntry[]>(`/v1/lists${toQuery(scopeQuery)}`);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const add = useAction();
  const change = useAction();

  const title = user
    ? `Allow & block list of ${user}`
    : props.scope === 'user'
      ? 'Your allow & block list'
      : props.scope === 'domain'
        ? `Allow & block list of ${props.session.domain ?? 'your domain'}`
        : 'Global allow & block list';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void add.run(async () => {
      const expiresAt = draft.expires ? dayToIso(draft.expires, true) : undefined;
      await api<ListEntry>('/v1/lists', {
        method: 'POST',
        body: {
          ...scopeQuery,
          kind: draft.kind,
          matchType: draft.matchType,
          value: draft.value.trim(),
          direction: draft.direction,
          ...(draft.reason.trim() ? { reason: draft.reason.trim() } : {}),
          ...(expiresAt ? { expiresAt } : {}),
        },
      });
      setDraft({ ...EMPTY, kind: draft.kind });
      entries.reload();
      return `${draft.value.trim()} added to the ${draft.kind} list.`;
    });
  };

  const remove = (e: ListEntry) =>
    change.run(async () => {
      await api(`/v1/lists/${e.id}`, { method: 'DELETE' });
      entries.reload();
      return `${e.value} removed.`;
    });
  const undoMark = (id: string) =>
    change.run(async () => {
      await api(`/v1/marks/${id}`, { method: 'DELETE' });
      entries.reload();
      return 'Mark undone. A block learned from marks goes once too few marks hold it up.';
    });

  return (
    <Page
      title={title}
      intro="Allowed senders always reach the inbox (unless the message is a virus); blocked senders are refused. Entries apply to the address, the whole domain, or a sending server's IP address or network."
    >
      <form className="card form-grid" onSubmit={submit} aria-labelledby="add-title">
        <h2 id="add-title">Add an entry</h2>
        <fieldset className="radio-row">
          <legend>Kind</legend>
          {(['block', 'allow'] as const).map((k) => (
            <label key={k}>
              <input
                type="radio"
                name="kind"
                value={k}
                checked={draft.kind === k}
                onChange={() => setDraft({ ...draft, kind: k })}
              />{' '}
              {k === 'block' ? 'Block' : 'Allow'}
            </label>
          ))}
        </fieldset>
        <Field label="Match by">
          {(id) => (
            <select
              id={id}
              value={draft.matchType}
              onChange={(e) => setDraft({ ...draft, matchType: e.target.value as Draft['matchType'] })}
            >
              {Object.entries(MATCH_LABELS).map(([k, l]) => (
                <option key={k} value={k}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Value" hint="e.g. news@shop.example, shop.example, 192.0.2.7 or 192.0.2.0/24">
          {(id, hint) => (
            <input
              id={id}
              required
              aria-describedby={hint}
              value={draft.value}
              onChange={(e) => setDraft({ ...draft, value: e.target.value })}
            />
          )}
        </Field>
        <Field label="Applies to">
          {(id) => (
            <select
              id={id}
              value={draft.direction}
              onChange={(e) => setDraft({ ...draft, direction: e.target.value as Draft['direction'] })}
            >
              {Object.entries(DIRECTION_LABELS).map(([k, l]) => (
                <option key={k} value={k}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Reason (optional)">
          {(id) => (
            <input
              id={id}
              value={draft.reason}
              onChange={(e) => setDraft({ ...draft, reason: e.target.value })}
            />
          )}
        </Field>
        <Field label="Expires after (optional)">
          {(id) => (
            <input
              id={id}
              type="date"
              value={draft.expires}
              onChange={(e) => setDraft({ ...draft, expires: e.target.value })}
            />
          )}
        </Field>
        <div className="form-end">
          <button type="submit" className="primary" disabled={add.busy}>
            Add
          </button>
        </div>
        <DoneNote text={add.done} />
        <ErrorNote error={add.error} what="Not added" />
      </form>
      <h2>Entries</h2>
      <DoneNote text={change.done} />
      <ErrorNote error={change.error} />
      <ErrorNote error={entries.error} what="Could not load the list" />
      <Loading loading={entries.loading && !entries.data} />
      {entries.data && entries.data.length === 0 ? <Empty>The list is empty.</Empty> : null}
      {entries.data && entries.data.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Matches</th>
              <th scope="col">Applies to</th>
              <th scope="col">Why</th>
              <th scope="col">Added</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.data.map((e) => (
              <tr key={e.id}>
                <td>
                  <span className={`badge badge-${e.kind === 'allow' ? 'good' : 'bad'}`}>
                    {e.kind === 'allow' ? 'Allow' : 'Block'}
                  </span>
                </td>
                <td>
                  <span className="muted">{MATCH_LABELS[e.matchType]}</span> <strong>{e.value}</strong>
                  {e.requires === 'aligned_auth' ? (
                    <small className="muted"> (only when the sender is authenticated)</small>
                  ) : null}
                </td>
                <td>{DIRECTION_LABELS[e.direction]}</td>
                <td>
                  {e.origin === 'learned' ? (
                    <div>
                      <span className="badge badge-neutral">Learned</span> from {e.marks.length} spam{' '}
                      {e.marks.length === 1 ? 'mark' : 'marks'}
                      <ul className="marks">
                        {e.marks.map((m) => (
                          <li key={m.id}>
                            {m.reference ? (
                              <Link to={`/messages/${m.reference}`}>
                                message of {formatTime(m.createdAt)}
                              </Link>
                            ) : (
                              formatTime(m.createdAt)
                            )}{' '}
                            <button type="button" className="link-button" onClick={() => void undoMark(m.id)}>
                              undo this mark
                            </button>
                          </li>
                        ))}
                      </ul>
                    </div>
                  ) : (
                    (e.reason ?? '')
                  )}
                </td>
                <td>
                  {formatTime(e.createdAt)}
                  <br />
                  <small className="muted">by {e.createdBy}</small>
                </td>
                <td>{e.expiresAt ? formatTime(e.expiresAt) : 'never'}</td>
                <td>
                  <button
                    type="button"
                    onClick={() => void remove(e)}
                    aria-label={`Remove ${e.kind} entry ${e.value}`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}
