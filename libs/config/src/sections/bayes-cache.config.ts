import { configKey } from '../config-key';

/** The filter's hot Bayes models (apps/filter bayes-cache.ts), kept current from spamfilter.model.v1. */
export const bayesCacheSection = {
  userScopes: configKey.int(
    'BAYES_CACHE_USER_SCOPES',
    "Users' Bayes layers each filter keeps in memory (least recently used evicted; the global layer is always kept)",
    10000,
    { min: 0 },
  ),
};
