import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api';
import { DoneNote, Empty, ErrorNote, Field, Loading, Page } from '../components/ui';
import { useAction, useApi } from '../hooks';
import { formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { DelistRequest } from '../types';

/**
 * Review requests from refused senders (the public /why page). Approving an inbound refusal allows that sender for
 * the refused recipient (or its domain) for a while; rejecting only records the decision.
 */
export function DelistingPage() {
  const [status, setStatus] = useState<'pending' | 'approved' | 'rejected'>('pending');
  const list = useApi<DelistRequest[]>(`/v1/operator/delist-requests${toQuery({ status })}`);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [scopes, setScopes] = useState<Record<string, 'user' | 'domain'>>({});
  const decide = useAction();

  const approve = (r: DelistRequest) =>
    decide.run(async () => {
      const note = notes[r.id]?.trim();
      await api(`/v1/operator/delist-requests/${r.id}/approve`, {
        method: 'POST',
        body: { scope: scopes[r.id] ?? 'user', ...(note ? { note } : {}) },
      });
      list.reload();
      return `Approved the request about ${r.reference}.`;
    });
  const reject = (r: DelistRequest) =>
    decide.run(async () => {
      const note = notes[r.id]?.trim();
      await api(`/v1/operator/delist-requests/${r.id}/reject`, {
        method: 'POST',
        body: note ? { note } : {},
      });
      list.reload();
      return `Rejected the request about ${r.reference}.`;
    });

  return (
    <Page
      title="Delisting requests"
      intro="Senders who were refused can ask for a review on the public page. Read the transcript before you decide."
    >
      <fieldset className="radio-row">
        <legend>Show</legend>
        {(['pending', 'approved', 'rejected'] as const).map((s) => (
          <label key={s}>
            <input type="radio" name="status" checked={status === s} onChange={() => setStatus(s)} /> {s}
          </label>
        ))}
      </fieldset>
      <DoneNote text={decide.done} />
      <ErrorNote error={decide.error} what="No decision" />
      <ErrorNote error={list.error} what="Could not load the queue" />
      <Loading loading={list.loading && !list.data} />
      {list.data && list.data.length === 0 ? <Empty>No {status} requests.</Empty> : null}
      {list.data?.map((r) => (
        <article key={r.id} className="card" aria-label={`Request about ${r.reference}`}>
          <h2>
            <Link to={`/operator/messages/${r.reference}`}>{r.reference}</Link>
          </h2>
          <p>
            From <strong>{r.requesterEmail}</strong>, {formatTime(r.createdAt)}:
          </p>
          <blockquote>{r.message}</blockquote>
          {r.status === 'pending' ? (
            <div className="form-grid">
              <Field label="Note (optional)">
                {(id) => (
                  <input
                    id={id}
                    value={notes[r.id] ?? ''}
                    onChange={(e) => setNotes({ ...notes, [r.id]: e.target.value })}
                  />
                )}
              </Field>
              <Field label="If approved, allow the sender for">
                {(id) => (
                  <select
                    id={id}
                    value={scopes[r.id] ?? 'user'}
                    onChange={(e) => setScopes({ ...scopes, [r.id]: e.target.value as 'user' | 'domain' })}
                  >
                    <option value="user">the refused recipient</option>
                    <option value="domain">the recipient's whole domain</option>
                  </select>
                )}
              </Field>
              <div className="button-row">
                <button
                  type="button"
                  className="primary"
                  disabled={decide.busy}
                  onClick={() => void approve(r)}
                >
                  Approve
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={decide.busy}
                  onClick={() => void reject(r)}
                >
                  Reject
                </button>
              </div>
            </div>
          ) : (
            <p className="muted">
              {r.status} by {r.reviewedBy ?? '?'} {formatTime(r.reviewedAt)}
              {r.decisionNote ? `: ${r.decisionNote}` : ''}
            </p>
          )}
        </article>
      ))}
    </Page>
  );
}
