import { useState } from 'react';
import { Link } from 'react-router';
import { RankedList, StackedBars, type SeriesKey } from '../components/charts';
import { ErrorNote, Field, Loading, Page } from '../components/ui';
import { useApi } from '../hooks';
import { ACTIONS, type Action } from '../lib/constants';
import { actionLabel, formatCount, formatMs, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { Dashboard } from '../types';

const ACTION_KEYS: SeriesKey<Action>[] = ACTIONS.map((a) => ({
  key: a,
  label: actionLabel(a),
  fill: `fill-${a}`,
}));
const MARK_KEYS: SeriesKey<'spam' | 'ham' | 'undo'>[] = [
  { key: 'spam', label: 'Marked spam', fill: 'fill-reject' },
  { key: 'ham', label: 'Marked not spam', fill: 'fill-accept' },
  { key: 'undo', label: 'Undone', fill: 'fill-greylist' },
];

/** The operators' view at a glance: traffic per verdict, what triggers, who is refused, marks and the learner. */
export function DashboardPage() {
  const [hours, setHours] = useState('24');
  const d = useApi<Dashboard>(`/v1/operator/dashboard${toQuery({ hours })}`);
  const data = d.data;
  const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
  return (
    <Page
      title="Dashboard"
      actions={
        <Field label="Period">
          {(id) => (
            <select id={id} value={hours} onChange={(e) => setHours(e.target.value)}>
              <option value="6">Last 6 hours</option>
              <option value="24">Last 24 hours</option>
              <option value="72">Last 3 days</option>
              <option value="168">Last 7 days</option>
            </select>
          )}
        </Field>
      }
    >
      <ErrorNote error={d.error} what="Could not load the dashboard" />
      <Loading loading={d.loading && !data} />
      {data ? (
        <>
          <p className="muted">
            {formatTime(data.since)} to {formatTime(data.until)}, in {data.bucketMinutes}-minute steps.
          </p>
          <div className="stats">
            <div className="stat">
              <span className="stat-value">{formatCount(sum(data.totals.inbound))}</span> inbound messages
            </div>
            <div className="stat">
              <span className="stat-value">
                {formatCount((data.totals.inbound.reject ?? 0) + (data.totals.inbound.block ?? 0))}
              </span>{' '}
              refused inbound
            </div>
            <div className="stat">
              <span className="stat-value">{formatCount(sum(data.totals.outbound))}</span> outbound messages
            </div>
            <div className="stat">
              <span className="stat-value">{formatMs(data.learner.lagP50Ms)}</span> learner lag (median)
            </div>
          </div>
          <div className="grid-2">
            <StackedBars
              title="Inbound messages per verdict"
              keys={ACTION_KEYS}
              buckets={data.series.map((s) => ({ at: s.at, values: s.inbound as Record<Action, number> }))}
            />
            <StackedBars
              title="Outbound messages per verdict"
              keys={ACTION_KEYS}
              buckets={data.series.map((s) => ({ at: s.at, values: s.outbound as Record<Action, number> }))}
            />
          </div>
          <div className="grid-2">
            <StackedBars
              title="Marks from users"
              keys={MARK_KEYS}
              buckets={data.marks.map((m) => ({ at: m.at, values: m }))}
            />
            <section className="card" aria-labelledby="learner-title">
              <h3 id="learner-title">The learner</h3>
              <dl className="facts">
                <dt>Marks looked at</dt>
                <dd>{data.learner.sampled}</dd>
                <dt>Waiting to be learned</dt>
                <dd>
                  {data.learner.pending}
                  {data.learner.oldestPendingSeconds !== null
                    ? ` (oldest ${data.learner.oldestPendingSeconds} s)`
                    : ''}
                </dd>
                <dt>Lag, median</dt>
                <dd>{formatMs(data.learner.lagP50Ms)}</dd>
                <dt>Lag, 95th percentile</dt>
                <dd>{formatMs(data.learner.lagP95Ms)}</dd>
                <dt>Lag, longest</dt>
                <dd>{formatMs(data.learner.lagMaxMs)}</dd>
              </dl>
            </section>
          </div>
          <div className="grid-3">
            <RankedList
              title={
                data.symbolsSampled < sum(data.totals.inbound) + sum(data.totals.outbound)
                  ? `Top symbols (newest ${formatCount(data.symbolsSampled)} messages)`
                  : 'Top symbols'
              }
              empty="No symbols reported."
              rows={data.topSymbols.map((s) => ({
                label: s.name,
                value: s.hits,
                note: `${Math.round(s.score)} pts`,
              }))}
            />
            <RankedList
              title="Most refused senders"
              empty="Nothing refused."
              rows={data.topRefusedSenders.map((s) => ({
                label: s.sender || '<> (bounces)',
                value: s.count,
                href: `/operator/messages${toQuery({ sender: s.sender, action: 'reject' })}`,
              }))}
            />
            <RankedList
              title="Most refused IPs"
              empty="Nothing refused."
              rows={data.topRefusedIps.map((s) => ({
                label: s.ip,
                value: s.count,
                href: `/operator/messages${toQuery({ ip: s.ip, action: 'reject' })}`,
              }))}
            />
          </div>
          <section aria-labelledby="near-title">
            <h2 id="near-title">Sending accounts near the automatic block</h2>
            {data.nearAutoBlock.length === 0 ? (
              <p className="empty">No account sent spam within the block window.</p>
            ) : (
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">Account</th>
                    <th scope="col" className="num">
                      Spam verdicts in the window
                    </th>
                    <th scope="col" className="num">
                      Blocked at
                    </th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {data.nearAutoBlock.map((a) => (
                    <tr key={a.account}>
                      <td>
                        <Link to={`/operator/outbound/${encodeURIComponent(a.account)}`}>{a.account}</Link>
                      </td>
                      <td className="num">{a.recentSpam}</td>
                      <td className="num">{a.threshold > 0 ? a.threshold : 'off'}</td>
                      <td>
                        {a.status === 'blocked' ? <span className="badge badge-bad">Blocked</span> : 'Active'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      ) : null}
    </Page>
  );
}
