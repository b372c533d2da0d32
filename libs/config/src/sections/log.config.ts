import { configKey } from '../config-key';

/**
 * Logging of every process (libs/observability). JSON is the default because a deployment's log pipeline (Loki,
 * Elasticsearch, Cloud Logging) parses one object per line without a grok pattern; `npm start` (the quick start)
 * sets LOG_FORMAT=pretty for a person at a terminal unless LOG_FORMAT is already set.
 */
export const logSection = {
  format: configKey.oneOf(
    'LOG_FORMAT',
    'Log lines: json (one JSON object per line with level, time, app, context, msg, and reference / eventId where the code has them) or pretty (the same fields as readable text)',
    ['json', 'pretty'] as const,
    'json',
  ),
  level: configKey.oneOf(
    'LOG_LEVEL',
    "Lowest level written; debug adds every accepted mark with its eventId and Nest's start-up lines",
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const,
    'info',
  ),
};
