import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api';
import { ActionBadge, DoneNote, ErrorNote, Loading, Page } from '../components/ui';
import { useAction, useApi } from '../hooks';
import { DISPOSITION_LABELS } from '../lib/constants';
import { addressOf, formatPoints, formatScore, formatTime } from '../lib/format';
import { bySignificance, leaning, plainWords } from '../lib/symbols';
import type { ListEntry, Mark, Session, Verdict } from '../types';

function verdictSentence(v: Verdict): string {
  switch (v.action) {
    case 'accept':
      return 'It was delivered to your inbox.';
    case 'tag':
      return 'It was delivered marked as spam, so your mail program filed it in Junk.';
    case 'greylist':
      return 'The sender was asked to try again later; a real mail server does, most spam senders do not.';
    case 'reject':
    case 'block':
      return 'It was refused: the sender was told, and it was not delivered.';
    case 'hold':
      return 'It was held for review.';
    default:
      return `Verdict: ${v.action}.`;
  }
}

/** One message: its verdict, why (each reason in plain words), and the user's say — spam or not spam, undo. */
export function MessagePage(props: { session: Session }) {
  const { reference = '' } = useParams();
  const [params] = useSearchParams();
  const verdicts = useApi<Verdict[]>(`/v1/verdicts/${encodeURIComponent(reference)}`);
  const mark = useAction();
  const list = useAction();
  const [technical, setTechnical] = useState(false);
  const wanted = params.get('recipient');
  const v = verdicts.data?.find((x) => x.recipient === wanted) ?? verdicts.data?.[0] ?? null;
  const sender = addressOf(v?.sender);
  const admin = props.session.role !== 'user';

  const markAs = (label: 'spam' | 'ham') =>
    mark.run(async () => {
      await api<Mark>('/v1/marks', {
        method: 'POST',
        body: { reference, label, ...(admin && v ? { recipient: v.recipient } : {}) },
      });
      verdicts.reload();
      return label === 'spam'
        ? 'Marked as spam. The filter learns from it: similar messages will score higher for you.'
        : 'Marked as not spam. The filter learns from it: similar messages will score lower for you.';
    });
  const undo = () =>
    mark.run(async () => {
      if (!v?.markId) return;
      await api<Mark>(`/v1/marks/${v.markId}`, { method: 'DELETE' });
      verdicts.reload();
      return 'Your mark is undone; what the filter learned from it is removed.';
    });
  const addToList = (kind: 'allow' | 'block') =>
    list.run(async () => {
      if (!sender) return;
      await api<ListEntry>('/v1/lists', {
        method: 'POST',
        body: {
          kind,
          matchType: 'address',
          value: sender,
          direction: 'inbound',
          reason: `from message ${reference}`,
          ...(admin && v ? { scope: 'user', user: v.recipient } : {}),
        },
      });
      return kind === 'block'
        ? `${sender} is on your block list now.`
        : `${sender} is on your allow list now.`;
    });

  return (
    <Page title={v?.subject?.trim() || (v ? '(no subject)' : 'Message')}>
      <p>
        <Link to={admin ? '/messages' : '/messages'}>← Back to the list</Link>
      </p>
      <ErrorNote error={verdicts.error} what="Could not load the message" />
      <Loading loading={verdicts.loading && !verdicts.data} />
      {v ? (
        <>
          <dl className="facts">
            <dt>From</dt>
            <dd>{v.sender ?? '—'}</dd>
            <dt>To</dt>
            <dd>{v.recipient}</dd>
            <dt>Received</dt>
            <dd>{formatTime(v.createdAt)}</dd>
            {v.disposition ? (
              <>
                <dt>Your copy</dt>
                <dd>{DISPOSITION_LABELS[v.disposition] ?? v.disposition}</dd>
              </>
            ) : null}
            <dt>Reference</dt>
            <dd>
              <code>{v.reference}</code>
            </dd>
          </dl>
          <section className="verdict card" aria-labelledby="verdict-title">
            <h2 id="verdict-title">
              Verdict: <ActionBadge action={v.action} />
            </h2>
            <p>
              {verdictSentence(v)} It scored <strong data-testid="score">{formatScore(v.score)}</strong>{' '}
              points.
            </p>
            {technical ? <p className="muted">{v.reason}</p> : null}
          </section>
          <section aria-labelledby="why-title">
            <h2 id="why-title">Why</h2>
            {v.symbols.length === 0 ? (
              <p className="empty">Nothing noteworthy was found.</p>
            ) : (
              <ul className="reasons">
                {bySignificance(v.symbols).map((s) => (
                  <li key={s.name} className={`reason reason-${leaning(s.score)}`}>
                    <span className="reason-text">{plainWords(s)}</span>
                    <span className="reason-points">
                      {s.score === 0
                        ? 'no points'
                        : `${formatPoints(s.score)} ${s.score > 0 ? 'toward spam' : 'toward wanted mail'}`}
                    </span>
                    {technical ? (
                      <small className="reason-tech">
                        <code>{s.name}</code>
                        {s.options.length ? ` (${s.options.join(', ')})` : ''} — {s.description ?? ''}
                      </small>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
            <label className="check">
              <input type="checkbox" checked={technical} onChange={(e) => setTechnical(e.target.checked)} />{' '}
              Show the technical names
            </label>
          </section>
          <section aria-labelledby="say-title" className="card">
            <h2 id="say-title">Your say</h2>
            {v.mark ? (
              <p>
                You marked this message as <strong>{v.mark === 'spam' ? 'spam' : 'not spam'}</strong>.{' '}
                <button type="button" onClick={() => void undo()} disabled={mark.busy || !v.markId}>
                  Undo my mark
                </button>
              </p>
            ) : (
              <p>Teach the filter: it learns from your marks for your own mail.</p>
            )}
            <div className="button-row">
              <button
                type="button"
                className="danger"
                disabled={mark.busy || v.mark === 'spam'}
                onClick={() => void markAs('spam')}
              >
                This is spam
              </button>
              <button
                type="button"
                className="primary"
                disabled={mark.busy || v.mark === 'ham'}
                onClick={() => void markAs('ham')}
              >
                This is not spam
              </button>
            </div>
            <DoneNote text={mark.done} />
            <ErrorNote error={mark.error} what="Not marked" />
            {sender ? (
              <div className="button-row">
                <button type="button" disabled={list.busy} onClick={() => void addToList('block')}>
                  Always block {sender}
                </button>
                <button type="button" disabled={list.busy} onClick={() => void addToList('allow')}>
                  Always allow {sender}
                </button>
              </div>
            ) : null}
            <DoneNote text={list.done} />
            <ErrorNote error={list.error} what="Not added" />
          </section>
        </>
      ) : null}
    </Page>
  );
}
