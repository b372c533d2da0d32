import { configKey } from '../config-key';

/** An API key as shown to its holder once: `sf_<prefix>_<secret>` (prefix: 8–16 lower-case letters/digits). */
export const API_KEY_PATTERN = /^sf_[a-z0-9]{8,16}_[A-Za-z0-9_-]{24,128}$/;

export const apiSection = {
  host: configKey.string('API_HOST', 'Address the API listens on', '127.0.0.1'),
  port: configKey.int('API_PORT', 'Port of the REST API and console', 8080, { min: 0, max: 65535 }),
  bootstrapOperatorKey: configKey.string(
    'API_BOOTSTRAP_OPERATOR_KEY',
    'If set, this full operator API key (sf_<prefix>_<secret>, secret at least 24 characters) is ensured at start-up (first login); empty: none',
    '',
    { secret: true, pattern: API_KEY_PATTERN },
  ),
  authCacheMs: configKey.int(
    'API_AUTH_CACHE_MS',
    'How long an authenticated key is trusted without a database lookup (0: every call looks it up); a revocation through another API instance takes effect within this time, through this one at once',
    5000,
    { min: 0, max: 60000 },
  ),
  maxRawMarkBytes: configKey.int(
    'API_MAX_RAW_MARK_BYTES',
    'Largest raw message accepted by POST /v1/marks/raw',
    10485760,
    {
      min: 1024,
    },
  ),
  outboxRelayEnabled: configKey.bool(
    'OUTBOX_RELAY_ENABLED',
    'Run the outbox relay (publishes accepted marks to the bus) in this process',
    true,
  ),
  outboxPollMs: configKey.int(
    'OUTBOX_POLL_MS',
    'Outbox relay: pause between polls when the outbox is empty or the bus failed',
    200,
    {
      min: 5,
    },
  ),
  outboxBatchSize: configKey.int(
    'OUTBOX_BATCH_SIZE',
    'Outbox relay: rows claimed and published per round',
    500,
    { min: 1, max: 10000 },
  ),
  outboxRetentionHours: configKey.int(
    'OUTBOX_RETENTION_HOURS',
    'Outbox relay: published events older than this are deleted (checked every 10 minutes while idle)',
    24,
    { min: 1 },
  ),
  messageLogRetentionDays: configKey.int(
    'MESSAGE_LOG_RETENTION_DAYS',
    'Verdicts (message log) older than this are deleted, hourly, by the API; a mark by reference needs its verdict',
    30,
    { min: 1 },
  ),
  processedEventRetentionDays: configKey.int(
    'PROCESSED_EVENT_RETENTION_DAYS',
    "Consumers' processed event ids kept for duplicate detection; keep it longer than Kafka's topic retention (7 days by default)",
    14,
    { min: 1 },
  ),
  markRequestRetentionDays: configKey.int(
    'MARK_REQUEST_RETENTION_DAYS',
    "Idempotency keys of raw marks (the mailbox hook's resends, Idempotency-Key) kept so a resent move counts once; keep it longer than a mail store's spool may wait for the API",
    14,
    { min: 1 },
  ),
};
