import { configKey } from '../config-key';

export const countersSection = {
  store: configKey.oneOf(
    'COUNTERS',
    'Short-lived counters (greylisting, rate limits)',
    ['memory', 'redis'] as const,
    'memory',
  ),
  redisUrl: configKey.string('REDIS_URL', 'Redis URL (COUNTERS=redis)', 'redis://127.0.0.1:6379/0', {
    secret: true,
    pattern: /^rediss?:\/\//,
  }),
  keyPrefix: configKey.string('REDIS_KEY_PREFIX', 'Prefix for every Redis key', 'sf:'),
  redisCommandTimeoutMs: configKey.int(
    'REDIS_COMMAND_TIMEOUT_MS',
    'A Redis command not answered within this long fails (callers fail open)',
    1000,
    { min: 10 },
  ),
  redisConnectTimeoutMs: configKey.int('REDIS_CONNECT_TIMEOUT_MS', 'Redis connection timeout', 2000, {
    min: 10,
  }),
  memoryMaxKeys: configKey.int(
    'COUNTERS_MEMORY_MAX_KEYS',
    'COUNTERS=memory: most keys kept; expired keys are swept first, then the oldest are evicted',
    1000000,
    { min: 100 },
  ),
};
