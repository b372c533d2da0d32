import { errorMessage, RateLimitedLogger, type BusLogger } from './bus-logger';
import { retryDelayMs } from './event-bus.port';

describe('RateLimitedLogger', () => {
  it('lets a repeated warning through once per window and then says how often it was suppressed', () => {
    const lines: string[] = [];
    const inner: BusLogger = {
      log: () => undefined,
      warn: (m) => void lines.push(`W ${m}`),
      error: (m) => void lines.push(`E ${m}`),
    };
    let now = 0;
    const logger = new RateLimitedLogger(inner, 1000, () => now);
    logger.warn('broker down');
    logger.warn('broker down');
    logger.warn('broker down');
    logger.error('other');
    now = 999;
    logger.warn('broker down');
    now = 1000;
    logger.warn('broker down');
    expect(lines).toEqual(['W broker down', 'E other', 'W broker down (repeated 3× more)']);
  });

  it('keeps only the first line of an error message', () => {
    expect(errorMessage(new Error('one\ntwo'))).toBe('one');
    expect(errorMessage('plain')).toBe('plain');
  });
});

describe('retryDelayMs', () => {
  it('doubles from the initial delay and stops at the maximum', () => {
    const policy = { initialMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(policy, a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
