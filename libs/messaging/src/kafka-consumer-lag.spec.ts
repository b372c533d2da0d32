import { consumerLag } from './kafka-consumer-lag';

describe('consumerLag', () => {
  it('is the end offset minus the committed offset, per partition', () => {
    expect(
      consumerLag(
        [
          { partition: 0, offset: '10' },
          { partition: 1, offset: '7' },
        ],
        [
          { partition: 1, high: '7', low: '0' },
          { partition: 0, high: '15', low: '0' },
        ],
      ),
    ).toEqual([
      { partition: 0, lag: 5 },
      { partition: 1, lag: 0 },
    ]);
  });

  it('counts a partition the group never committed on from its first retained offset', () => {
    expect(consumerLag([{ partition: 0, offset: '-1' }], [{ partition: 0, high: '120', low: '20' }])).toEqual(
      [{ partition: 0, lag: 100 }],
    );
    expect(consumerLag([], [{ partition: 2, high: '3', low: '0' }])).toEqual([{ partition: 2, lag: 3 }]);
  });

  it('never reports a negative lag (a commit past a truncated end)', () => {
    expect(consumerLag([{ partition: 0, offset: '9' }], [{ partition: 0, high: '5', low: '0' }])).toEqual([
      { partition: 0, lag: 0 },
    ]);
  });
});
