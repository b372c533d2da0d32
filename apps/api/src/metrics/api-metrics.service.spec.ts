import { ApiMetricsService, learnerLag } from './api-metrics.service';
import { loadConfig } from '@spamfilter/config';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const sources = {
  outboxBacklog: () => Promise.resolve(3),
  outboxOldestPendingAt: () => Promise.resolve(new Date(Date.now() - 90_000)),
  blockedAccounts: () => Promise.resolve(2),
  databaseUp: () => Promise.resolve(true),
  consumerLag: null,
};

describe('ApiMetricsService', () => {
  it('reads the outbox, blocked accounts and the database on scrape', async () => {
    const text = await new ApiMetricsService(sources).registry.metrics();
    expect(value(text, 'spamfilter_outbox_backlog')).toBe(3);
    expect(value(text, 'spamfilter_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(value(text, 'spamfilter_outbound_blocked_accounts')).toBe(2);
    expect(value(text, 'spamfilter_dependency_up{dependency="database"}')).toBe(1);
    // No learner on Kafka in this process: no lag series at all.
    expect(text).not.toContain('spamfilter_learner_consumer_lag');
  });

  it('an empty outbox is 0 s old; a database that is down leaves the outbox series out and says so', async () => {
    const m = new ApiMetricsService({
      ...sources,
      outboxBacklog: () => Promise.reject(new Error('connection refused')),
      outboxOldestPendingAt: () => Promise.resolve(null),
      databaseUp: () => Promise.resolve(false),
    });
    const text = await m.registry.metrics();
    expect(value(text, 'spamfilter_outbox_backlog')).toBeUndefined();
    expect(value(text, 'spamfilter_outbox_oldest_age_seconds')).toBe(0);
    expect(value(text, 'spamfilter_dependency_up{dependency="database"}')).toBe(0);
  });

  it('reports the consumer lag per partition where the process runs the learner on Kafka', async () => {
    const m = new ApiMetricsService({
      ...sources,
      consumerLag: () =>
        Promise.resolve([
          { partition: 0, lag: 4 },
          { partition: 1, lag: 0 },
        ]),
    });
    const text = await m.registry.metrics();
    expect(value(text, 'spamfilter_learner_consumer_lag{topic="spamfilter.feedback.v1",partition="0"}')).toBe(
      4,
    );
    expect(learnerLag(loadConfig({ BUS: 'memory' }))).toBeNull();
    expect(learnerLag(loadConfig({ BUS: 'kafka', LEARNER_ENABLED: 'false' }))).toBeNull();
  });

  it('counts marks and learner outcomes; mark → trained only for what trained or undid', async () => {
    const m = new ApiMetricsService(sources);
    m.markAccepted('learn', 'spam');
    m.markAccepted('undo', null);
    const now = Date.parse('2025-01-01T00:00:02.000Z');
    m.learned(
      [
        { eventId: 'a', occurredAt: '2025-01-01T00:00:00.500Z' },
        { eventId: 'b', occurredAt: '2025-01-01T00:00:00.000Z' },
      ],
      [{ status: 'trained' }, { status: 'duplicate' }],
      now,
    );
    const text = await m.registry.metrics();
    expect(value(text, 'spamfilter_marks_total{kind="learn",label="spam"}')).toBe(1);
    expect(value(text, 'spamfilter_marks_total{kind="undo",label="none"}')).toBe(1);
    expect(value(text, 'spamfilter_learner_events_total{outcome="duplicate"}')).toBe(1);
    expect(value(text, 'spamfilter_learner_mark_to_trained_seconds_count')).toBe(1);
    expect(value(text, 'spamfilter_learner_mark_to_trained_seconds_sum')).toBe(1.5);
  });
});
