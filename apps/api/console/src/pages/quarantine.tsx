import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api } from '../api';
import { DoneNote, Empty, ErrorNote, Field, Loading, Page } from '../components/ui';
import { useAction, useApi } from '../hooks';
import { formatCount, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { QuarantineMessage, QuarantinePage as Page_, ReleaseResult, Session } from '../types';

function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${formatCount(Math.round(bytes / 1024))} kB`;
}

/**
 * Quarantine: mail a policy kept instead of delivering (and held outbound mail): a user's own, a domain admin's
 * domain's, everything for operators. Open a message to read it as text, release it to its recipients, or delete it.
 */
export function QuarantinePage(props: { session: Session }) {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? 'kept';
  const direction = params.get('direction') ?? '';
  const user = params.get('user') ?? '';
  const before = params.get('before') ?? '';
  const [who, setWho] = useState(user);
  const page = useApi<Page_>(`/v1/quarantine${toQuery({ limit: 50, status, direction, user, before })}`);
  const admin = props.session.role !== 'user';
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.delete('before');
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  };
  return (
    <Page
      title="Quarantine"
      intro={
        props.session.role === 'user'
          ? 'Mail your settings kept out of your mailbox, and mail you sent that is held for review. Read it safely as text; release what you want delivered, delete the rest. Kept mail is deleted by itself after a while.'
          : 'Mail kept instead of delivered, and held outbound mail. Release delivers it to its recipients through the mail server.'
      }
    >
      <div className="filters">
        <Field label="Show">
          {(id) => (
            <select id={id} value={status} onChange={(e) => set('status', e.target.value)}>
              <option value="kept">Kept</option>
              <option value="released">Released</option>
              <option value="all">All</option>
            </select>
          )}
        </Field>
        <Field label="Direction">
          {(id) => (
            <select id={id} value={direction} onChange={(e) => set('direction', e.target.value)}>
              <option value="">Both</option>
              <option value="inbound">Received mail</option>
              <option value="outbound">Held outbound mail</option>
            </select>
          )}
        </Field>
        {admin ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              set('user', who.trim());
            }}
          >
            <Field label="Mailbox">
              {(id) => (
                <input
                  id={id}
                  type="email"
                  placeholder="anyone"
                  value={who}
                  onChange={(e) => setWho(e.target.value)}
                />
              )}
            </Field>
            <button type="submit" className="primary">
              Show
            </button>
          </form>
        ) : null}
      </div>
      <ErrorNote error={page.error} what="Could not load the quarantine" />
      <Loading loading={page.loading && !page.data} />
      {page.data && page.data.items.length === 0 ? <Empty>Nothing here.</Empty> : null}
      {page.data && page.data.items.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">Quarantine</caption>
          <thead>
            <tr>
              <th scope="col">Kept</th>
              <th scope="col">From</th>
              <th scope="col">Subject</th>
              {admin ? <th scope="col">For</th> : null}
              <th scope="col">Why</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((q) => (
              <tr key={q.id}>
                <td className="nowrap">{formatTime(q.createdAt)}</td>
                <td className="clip">{q.from ?? q.mailFrom}</td>
                <td>
                  <Link to={`/quarantine/${q.id}`}>{q.subject?.trim() || '(no subject)'}</Link>
                  {q.direction === 'outbound' ? <small className="muted"> (outbound)</small> : null}
                </td>
                {admin ? <td className="clip">{q.recipients.join(', ')}</td> : null}
                <td className="clip">{q.reason}</td>
                <td>
                  {q.releasedAt ? (
                    <span className="badge badge-good">Released</span>
                  ) : (
                    <span className="badge badge-warn">Kept</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <nav className="pager" aria-label="Pages">
        {before ? (
          <button type="button" onClick={() => set('before', '')}>
            Newest
          </button>
        ) : null}
        {page.data?.next ? (
          <button type="button" onClick={() => set('before', page.data!.next!)}>
            Older
          </button>
        ) : null}
      </nav>
    </Page>
  );
}

/** One kept message: read as text (never rendered HTML), release it (optionally marking it not spam) or delete it. */
export function QuarantineMessagePage(props: { session: Session }) {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const m = useApi<QuarantineMessage>(`/v1/quarantine/${encodeURIComponent(id)}`);
  const [trainHam, setTrainHam] = useState(true);
  const [released, setReleased] = useState<ReleaseResult | null>(null);
  const [confirming, setConfirming] = useState(false);
  const act = useAction();
  const q = m.data;
  const mayRelease =
    q !== null && !q.releasedAt && (q.direction === 'inbound' || props.session.role === 'operator');

  const release = () =>
    act.run(async () => {
      const r = await api<ReleaseResult>(`/v1/quarantine/${encodeURIComponent(id)}/release`, {
        method: 'POST',
        body: { trainHam: q?.direction === 'inbound' && trainHam },
      });
      setReleased(r);
      m.reload();
      return `Released to ${r.recipients.join(', ')}. The mail server answered: ${r.smtp}`;
    });
  const remove = () =>
    act.run(async () => {
      await api(`/v1/quarantine/${encodeURIComponent(id)}`, { method: 'DELETE' });
      void navigate('/quarantine', { replace: true });
    });

  return (
    <Page title={q?.subject?.trim() || (q ? '(no subject)' : 'Kept message')}>
      <p>
        <Link to="/quarantine">← Quarantine</Link>
      </p>
      <ErrorNote error={m.error} what="Could not open the message" />
      <Loading loading={m.loading && !q} />
      {q ? (
        <>
          <dl className="facts">
            <dt>From</dt>
            <dd>{q.from ?? q.mailFrom}</dd>
            <dt>To</dt>
            <dd>{q.recipients.join(', ')}</dd>
            <dt>Kept</dt>
            <dd>{formatTime(q.createdAt)}</dd>
            <dt>Why</dt>
            <dd>{q.reason}</dd>
            <dt>Deleted after</dt>
            <dd>{formatTime(q.expiresAt)}</dd>
            <dt>Reference</dt>
            <dd>
              <code>{q.reference}</code>{' '}
              {props.session.role === 'operator' ? (
                <Link to={`/operator/messages/${q.reference}`}>transcript</Link>
              ) : null}
            </dd>
            {q.releasedAt ? (
              <>
                <dt>Released</dt>
                <dd data-testid="released">
                  {formatTime(q.releasedAt)} by {q.releasedBy ?? 'unknown'}
                </dd>
              </>
            ) : null}
          </dl>
          <section className="card" aria-labelledby="q-actions">
            <h2 id="q-actions">What to do with it</h2>
            {mayRelease ? (
              <>
                {q.direction === 'inbound' ? (
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={trainHam}
                      onChange={(e) => setTrainHam(e.target.checked)}
                    />{' '}
                    Also mark it as not spam, so similar mail is not kept again
                  </label>
                ) : null}
                <div className="button-row">
                  <button
                    type="button"
                    className="primary"
                    disabled={act.busy}
                    onClick={() => void release()}
                  >
                    Release and deliver
                  </button>
                  {confirming ? null : (
                    <button
                      type="button"
                      className="danger"
                      disabled={act.busy}
                      onClick={() => setConfirming(true)}
                    >
                      Delete
                    </button>
                  )}
                </div>
                {confirming ? (
                  <div className="button-row" role="group" aria-label="Confirm deletion">
                    <span>Delete this message for good? It cannot be brought back.</span>
                    <button
                      type="button"
                      className="danger"
                      disabled={act.busy}
                      onClick={() => void remove()}
                    >
                      Delete for good
                    </button>
                    <button type="button" onClick={() => setConfirming(false)}>
                      Keep it
                    </button>
                  </div>
                ) : null}
              </>
            ) : q.releasedAt ? (
              <p>It has been released.</p>
            ) : (
              <p className="muted">Held outbound mail is released by the provider's mail team.</p>
            )}
            <DoneNote text={act.done} />
            <ErrorNote error={act.error} what="Not done" />
            {released?.markId ? <p className="muted">Marked as not spam.</p> : null}
          </section>
          <h2>The message, as text</h2>
          {q.hasHtml ? (
            <p className="muted">
              It has an HTML part, shown here as text only: nothing in it is loaded or run.
            </p>
          ) : null}
          <pre className="mono message-text" tabIndex={0} aria-label="Message text">
            {q.text}
            {q.textTruncated ? '\n[…]' : ''}
          </pre>
          {q.attachments.length > 0 ? (
            <>
              <h2>Attachments</h2>
              <ul>
                {q.attachments.map((a, i) => (
                  <li key={`${a.filename}:${i}`}>
                    {a.filename}{' '}
                    <small className="muted">
                      ({a.contentType}, {sizeText(a.size)})
                    </small>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <details>
            <summary>All header fields</summary>
            <pre className="mono headers" tabIndex={0} aria-label="Header fields">
              {q.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
            </pre>
          </details>
        </>
      ) : null}
    </Page>
  );
}
