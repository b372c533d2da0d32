import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api';
import { ActionBadge, DoneNote, Empty, ErrorNote, Field, Loading, Page, Pager } from '../components/ui';
import { useAction, useApi } from '../hooks';
import { formatScore, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { AccountDetail, MessageLogPage, OutboundAccount, QuarantinePage } from '../types';

const LIMIT = 100;

function standingText(s: Record<string, unknown> | null): string {
  if (!s || typeof s.score !== 'number') return '—';
  return `${Math.round(s.score)} (${String(s.level ?? '')})`;
}

/** Sending accounts (authenticated submission): who is blocked, their standing; open one to block or unblock. */
export function OutboundPage() {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [address, setAddress] = useState('');
  const navigate = useNavigate();
  const list = useApi<OutboundAccount[]>(
    `/v1/operator/outbound/accounts${toQuery({ status, limit: LIMIT, offset })}`,
  );
  const open = (e: FormEvent) => {
    e.preventDefault();
    if (address.trim())
      void navigate(`/operator/outbound/${encodeURIComponent(address.trim().toLowerCase())}`);
  };
  return (
    <Page
      title="Outbound accounts"
      intro="Accounts that send through the submission service. Accounts that keep sending spam are blocked automatically."
    >
      <div className="filters">
        <form onSubmit={open} className="inline-form" role="search" aria-label="Open an account">
          <Field label="Account (address)">
            {(id) => (
              <input id={id} type="email" value={address} onChange={(e) => setAddress(e.target.value)} />
            )}
          </Field>
          <button type="submit" className="primary">
            Open
          </button>
        </form>
        <Field label="Show">
          {(id) => (
            <select
              id={id}
              value={status}
              onChange={(e) => {
                setOffset(0);
                setStatus(e.target.value);
              }}
            >
              <option value="">All accounts</option>
              <option value="blocked">Blocked only</option>
              <option value="active">Active only</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorNote error={list.error} what="Could not load the accounts" />
      <Loading loading={list.loading && !list.data} />
      {list.data && list.data.length === 0 ? <Empty>No accounts.</Empty> : null}
      {list.data && list.data.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">Accounts</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Status</th>
              <th scope="col">Standing</th>
              <th scope="col">Why blocked</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((a) => (
              <tr key={a.address}>
                <td>
                  <Link to={`/operator/outbound/${encodeURIComponent(a.address)}`}>{a.address}</Link>
                </td>
                <td>
                  {a.status === 'blocked' ? <span className="badge badge-bad">Blocked</span> : 'Active'}
                </td>
                <td>{standingText(a.standing)}</td>
                <td>{a.blockedReason ?? ''}</td>
                <td>{formatTime(a.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.data ? (
        <Pager offset={offset} limit={LIMIT} hasMore={list.data.length === LIMIT} onPage={setOffset} />
      ) : null}
    </Page>
  );
}

/** One sending account: standing, status, block or unblock with a reason, its audit trail and its recent mail. */
export function OutboundAccountPage() {
  const { address = '' } = useParams();
  const detail = useApi<AccountDetail>(`/v1/operator/outbound/accounts/${encodeURIComponent(address)}`);
  const recent = useApi<MessageLogPage>(
    `/v1/operator/messages${toQuery({ sender: address, direction: 'outbound', limit: 20 })}`,
  );
  const held = useApi<QuarantinePage>(
    `/v1/quarantine${toQuery({ direction: 'outbound', status: 'kept', sender: address, limit: 50 })}`,
  );
  const [reason, setReason] = useState('');
  const change = useAction();
  const blocked = detail.data?.account?.status === 'blocked';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void change.run(async () => {
      await api(
        `/v1/operator/outbound/accounts/${encodeURIComponent(address)}/${blocked ? 'unblock' : 'block'}`,
        {
          method: 'POST',
          body: { reason: reason.trim() },
        },
      );
      setReason('');
      detail.reload();
      return blocked
        ? `${address} is unblocked: it sends again with its next message.`
        : `${address} is blocked: its mail gets 550 5.7.1.`;
    });
  };

  const d = detail.data;
  return (
    <Page title={`Account ${address}`}>
      <p>
        <Link to="/operator/outbound">← Outbound accounts</Link>
      </p>
      {detail.error && detail.error.status === 404 ? (
        <p className="muted">
          Nothing recorded against this account yet: no spam verdicts, complaints or blocks. You can still
          block it.
        </p>
      ) : (
        <ErrorNote error={detail.error} what="Could not load the account" />
      )}
      <Loading loading={detail.loading && !d} />
      {d ? (
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="account-status">
            {blocked ? <span className="badge badge-bad">Blocked</span> : 'Active'}
          </dd>
          {d.account?.blockedReason ? (
            <>
              <dt>Why</dt>
              <dd>{d.account.blockedReason}</dd>
            </>
          ) : null}
          <dt>Standing</dt>
          <dd>
            {Math.round(d.standing.score)} of 100 ({d.standing.level}): {d.standing.spamVerdicts} spam
            verdicts and {d.standing.complaints} complaints recently
          </dd>
        </dl>
      ) : null}
      <form className="card" onSubmit={submit} aria-labelledby="block-title">
        <h2 id="block-title">{blocked ? 'Unblock the account' : 'Block the account'}</h2>
        <Field label="Reason (kept in the audit log)" hint="at least 3 characters">
          {(id, hint) => (
            <input
              id={id}
              required
              minLength={3}
              aria-describedby={hint}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className={blocked ? 'primary' : 'danger'} disabled={change.busy}>
          {blocked ? 'Unblock' : 'Block'}
        </button>
        <DoneNote text={change.done} />
        <ErrorNote error={change.error} what="Not changed" />
      </form>
      <h2>Audit trail</h2>
      {d && d.audit.length > 0 ? (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {[...d.audit].reverse().map((a) => (
              <tr key={a.id}>
                <td>{formatTime(a.at)}</td>
                <td>{a.action.replace('_', ' ')}</td>
                <td>{a.actor}</td>
                <td>{a.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>Nothing recorded.</Empty>
      )}
      <h2>Held mail</h2>
      <ErrorNote error={held.error} />
      {held.data && held.data.items.length > 0 ? (
        <table className="table compact">
          <caption className="visually-hidden">Held mail of {address}</caption>
          <thead>
            <tr>
              <th scope="col">Held</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {held.data.items.map((q) => (
              <tr key={q.id}>
                <td>
                  <Link to={`/quarantine/${q.id}`}>{formatTime(q.createdAt)}</Link>
                </td>
                <td className="clip">{q.recipients.join(', ')}</td>
                <td className="clip">{q.subject ?? ''}</td>
                <td className="clip">{q.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>Nothing held.</Empty>
      )}
      {held.data?.next ? (
        <p className="muted">
          The newest 50 held messages; <Link to="/quarantine?direction=outbound">all held outbound mail</Link>{' '}
          is in the quarantine.
        </p>
      ) : null}
      <h2>Recent outbound mail</h2>
      <ErrorNote error={recent.error} />
      {recent.data && recent.data.items.length > 0 ? (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {recent.data.items.map((m) => (
              <tr key={m.reference}>
                <td>
                  <Link to={`/operator/messages/${m.reference}`}>{formatTime(m.createdAt)}</Link>
                </td>
                <td className="clip">{m.recipients.map((r) => r.recipient).join(', ')}</td>
                <td className="clip">{m.subject ?? ''}</td>
                <td>
                  <ActionBadge action={m.action} /> {formatScore(m.score)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No outbound mail in the log.</Empty>
      )}
    </Page>
  );
}
