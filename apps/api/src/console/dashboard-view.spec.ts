import {
  actionSeries,
  bucketMinutesFor,
  bucketStarts,
  learnerLag,
  markSeries,
  nearAutoBlock,
  percentile,
} from './dashboard-view';

const at = (iso: string) => new Date(iso);
const s = (iso: string) => Date.parse(iso) / 1000;

describe('dashboard view', () => {
  it('picks bucket sizes that keep a chart under ~120 bars', () => {
    expect(bucketMinutesFor(1)).toBe(15);
    expect(bucketMinutesFor(24)).toBe(60);
    expect(bucketMinutesFor(720)).toBe(360);
    expect((720 * 60) / bucketMinutesFor(720)).toBeLessThanOrEqual(120);
  });

  it('lists every bucket of the range, quiet ones included', () => {
    const starts = bucketStarts(at('2026-12-01T10:20:00Z'), at('2026-12-01T13:00:00Z'), 3600);
    expect(starts.map((t) => new Date(t * 1000).toISOString())).toEqual([
      '2026-12-01T10:00:00.000Z',
      '2026-12-01T11:00:00.000Z',
      '2026-12-01T12:00:00.000Z',
    ]);
  });

  it('counts messages per direction and action per bucket, with totals; a quiet hour is zero', () => {
    const starts = [s('2026-12-01T10:00:00Z'), s('2026-12-01T11:00:00Z')];
    const v = actionSeries(
      [
        { bucket: starts[0]!, direction: 'inbound', action: 'accept', count: 5 },
        { bucket: starts[0]!, direction: 'inbound', action: 'reject', count: 2 },
        { bucket: starts[0]!, direction: 'outbound', action: 'hold', count: 1 },
        { bucket: 12345, direction: 'inbound', action: 'accept', count: 99 }, // outside the range: ignored
      ],
      starts,
    );
    expect(v.series[0]!.inbound).toMatchObject({ accept: 5, reject: 2, tag: 0 });
    expect(v.series[0]!.outbound).toMatchObject({ hold: 1 });
    expect(v.series[1]!.inbound.accept).toBe(0);
    expect(v.totals.inbound.accept).toBe(5);
    expect(v.totals.outbound.hold).toBe(1);
  });

  it('splits marks into spam, not spam and undo', () => {
    const t = s('2026-12-01T10:00:00Z');
    expect(
      markSeries(
        [
          { bucket: t, label: 'spam', kind: 'learn', count: 3 },
          { bucket: t, label: 'ham', kind: 'learn', count: 1 },
          { bucket: t, label: '', kind: 'undo', count: 2 },
        ],
        [t],
      ),
    ).toEqual([{ at: '2026-12-01T10:00:00.000Z', spam: 3, ham: 1, undo: 2 }]);
  });

  it("measures the learner's lag from accepted to applied, and what still waits", () => {
    const now = at('2026-12-01T10:01:00Z');
    const lag = learnerLag(
      [
        { createdAt: at('2026-12-01T10:00:00.000Z'), processedAt: at('2026-12-01T10:00:00.040Z') },
        { createdAt: at('2026-12-01T10:00:01.000Z'), processedAt: at('2026-12-01T10:00:01.100Z') },
        { createdAt: at('2026-12-01T10:00:02.000Z'), processedAt: at('2026-12-01T10:00:02.900Z') },
        { createdAt: at('2026-12-01T10:00:30.000Z'), processedAt: null },
      ],
      now,
    );
    expect(lag).toEqual({
      sampled: 4,
      pending: 1,
      oldestPendingSeconds: 30,
      lagP50Ms: 100,
      lagP95Ms: 900,
      lagMaxMs: 900,
    });
    expect(learnerLag([], now)).toMatchObject({
      sampled: 0,
      pending: 0,
      lagP50Ms: null,
      oldestPendingSeconds: null,
    });
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('puts active accounts closest to the automatic block first, blocked ones after', () => {
    const rows = nearAutoBlock(
      [
        { account: 'a@x.example', count: 2, status: null },
        { account: 'b@x.example', count: 9, status: 'blocked' },
        { account: 'c@x.example', count: 4, status: 'active' },
      ],
      5,
    );
    expect(rows.map((r) => [r.account, r.status])).toEqual([
      ['c@x.example', 'active'],
      ['a@x.example', 'active'],
      ['b@x.example', 'blocked'],
    ]);
    expect(rows[0]).toMatchObject({ recentSpam: 4, threshold: 5 });
  });
});
