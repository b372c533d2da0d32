import { Link, useParams } from 'react-router';
import { ActionBadge, ErrorNote, Loading, Page } from '../components/ui';
import { useApi } from '../hooks';
import { formatScore, formatTime } from '../lib/format';
import type { ScoredSymbol, Transcript } from '../types';

function SymbolTable(props: { symbols: readonly ScoredSymbol[]; caption: string }) {
  if (props.symbols.length === 0) return <p className="empty">No symbols.</p>;
  return (
    <table className="table compact">
      <caption className="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Symbol</th>
          <th scope="col">Group</th>
          <th scope="col" className="num">
            Weight
          </th>
          <th scope="col" className="num">
            Score
          </th>
          <th scope="col">Options</th>
          <th scope="col">Meaning</th>
        </tr>
      </thead>
      <tbody>
        {[...props.symbols]
          .sort((a, b) => Math.abs(b.score) - Math.abs(a.score))
          .map((s) => (
            <tr key={s.name}>
              <th scope="row">
                <code>{s.name}</code>
              </th>
              <td>{s.group}</td>
              <td className="num">{formatScore(s.weight)}</td>
              <td className="num">{formatScore(s.score)}</td>
              <td className="clip">{s.options.join(', ')}</td>
              <td>{s.description}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** The full transcript of one verdict: envelope, every symbol and score, each recipient's verdict, the SMTP reply. */
export function TranscriptPage() {
  const { reference = '' } = useParams();
  const t = useApi<Transcript>(`/v1/operator/messages/${encodeURIComponent(reference)}`);
  const m = t.data;
  return (
    <Page title={`Message ${reference}`}>
      <p>
        <Link to="/operator/messages">← Message log</Link>
      </p>
      <ErrorNote error={t.error} what="Not found" />
      <Loading loading={t.loading && !m} />
      {m ? (
        <>
          <section className="card" aria-labelledby="answer-title">
            <h2 id="answer-title">
              Verdict: <ActionBadge action={m.action} /> score {formatScore(m.score)}
            </h2>
            <p>
              SMTP answer:{' '}
              <code data-testid="smtp-reply">
                {m.smtpReply.code} {m.smtpReply.enhanced} {m.smtpReply.message}
              </code>
            </p>
          </section>
          <h2>Envelope</h2>
          <dl className="facts">
            <dt>Time</dt>
            <dd>{formatTime(m.createdAt)}</dd>
            <dt>Direction</dt>
            <dd>{m.direction}</dd>
            <dt>Client</dt>
            <dd>
              {m.clientIp} (HELO <code>{m.helo}</code>)
            </dd>
            <dt>MAIL FROM</dt>
            <dd>{m.mailFrom || '<>'}</dd>
            {m.authUser ? (
              <>
                <dt>Sending account</dt>
                <dd>
                  <Link to={`/operator/outbound/${encodeURIComponent(m.authUser)}`}>{m.authUser}</Link>
                </dd>
              </>
            ) : null}
            <dt>From header</dt>
            <dd>{m.headerFrom ?? '—'}</dd>
            <dt>Subject</dt>
            <dd>{m.subject ?? '—'}</dd>
            <dt>Size</dt>
            <dd>{m.size} bytes</dd>
            <dt>Scan time</dt>
            <dd>{m.elapsedMs} ms</dd>
          </dl>
          <h2>Symbols of the message</h2>
          <SymbolTable symbols={m.symbols} caption="Symbols of the message" />
          <h2>Recipients</h2>
          {m.recipients.map((r) => (
            <section key={r.recipient} className="card" aria-label={`Verdict for ${r.recipient}`}>
              <h3>
                {r.recipient}: <ActionBadge action={r.action} /> {formatScore(r.score)}
              </h3>
              <p className="muted">{r.reason}</p>
              <SymbolTable symbols={r.symbols} caption={`Symbols for ${r.recipient}`} />
            </section>
          ))}
          {m.headers.length > 0 ? (
            <>
              <h2>Headers added</h2>
              <pre className="mono headers" tabIndex={0} aria-label="Headers added to the delivered copies">
                {m.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
              </pre>
            </>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
