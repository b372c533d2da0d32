import { configKey } from '../config-key';

export const countersSection = {
  store: configKey.oneOf('COUNTERS', 'Short-lived counters (greylisting, rate limits)', ['memory', 'redis'] as const, 'memory'),
  redisUrl: configKey.string('REDIS_URL', 'Redis URL (COUNTERS=redis)', 'redis://127.0.0.1:6379/0', { secret: true, pattern: /^rediss?:\/\// }),
  keyPrefix: configKey.string('REDIS_KEY_PREFIX', 'Prefix for every Redis key', 'sf:'),
};
