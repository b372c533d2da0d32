import { configKey } from '../config-key';

/**
 * Outbound protection (authenticated submission): rate limits per sending account and per sending domain, the
 * automatic block of accounts that keep sending spam, the separate IP pool for risky-but-allowed mail, complaint
 * handling (ARF feedback loops) and the public "why was my mail refused?" page. A limit of 0 switches it off.
 */
export const outboundSection = {
  accountPerHour: configKey.int(
    'OUTBOUND_ACCOUNT_PER_HOUR',
    'Messages one sending account may submit per clock hour (0: no limit)',
    300,
    { min: 0 },
  ),
  accountPerDay: configKey.int(
    'OUTBOUND_ACCOUNT_PER_DAY',
    'Messages one sending account may submit per UTC day (0: no limit)',
    2000,
    { min: 0 },
  ),
  domainPerHour: configKey.int(
    'OUTBOUND_DOMAIN_PER_HOUR',
    'Messages all accounts of one sending domain may submit per clock hour (0: no limit)',
    3000,
    {
      min: 0,
    },
  ),
  domainPerDay: configKey.int(
    'OUTBOUND_DOMAIN_PER_DAY',
    'Messages all accounts of one sending domain may submit per UTC day (0: no limit)',
    20000,
    {
      min: 0,
    },
  ),
  maxRecipientsPerMessage: configKey.int(
    'OUTBOUND_MAX_RCPTS_PER_MESSAGE',
    'Recipients one outbound message may have (0: no limit)',
    100,
    { min: 0 },
  ),
  distinctRecipientsPerHour: configKey.int(
    'OUTBOUND_DISTINCT_RCPTS_PER_HOUR',
    'Distinct recipient addresses one account may write to per clock hour (0: no limit)',
    500,
    { min: 0 },
  ),
  failedRecipientRatio: configKey.number(
    'OUTBOUND_FAILED_RCPT_RATIO',
    'Share of failed recipients (unknown users, hard bounces) in the hour above which an account is deferred (1: off)',
    0.5,
    { min: 0, max: 1 },
  ),
  failedRecipientMinSample: configKey.int(
    'OUTBOUND_FAILED_RCPT_MIN_SAMPLE',
    'Recipients an account must have attempted in the hour before the failed-recipient ratio applies',
    20,
    { min: 1 },
  ),
  autoBlockSpamCount: configKey.int(
    'OUTBOUND_AUTOBLOCK_SPAM_COUNT',
    'Spam verdicts (hold, reject) within OUTBOUND_AUTOBLOCK_WINDOW_MS after which an account is blocked automatically (0: never)',
    5,
    { min: 0 },
  ),
  autoBlockWindowMs: configKey.int(
    'OUTBOUND_AUTOBLOCK_WINDOW_MS',
    'Window of the automatic block, in milliseconds',
    600000,
    { min: 60000 },
  ),
  complaintWeight: configKey.number(
    'OUTBOUND_COMPLAINT_WEIGHT',
    "How many spam verdicts one feedback-loop complaint counts for in an account's standing",
    2,
    { min: 0, max: 100 },
  ),
  standingWindowDays: configKey.int(
    'OUTBOUND_STANDING_WINDOW_DAYS',
    "Days of verdicts and complaints an account's standing looks back over",
    7,
    {
      min: 1,
      max: 90,
    },
  ),
  riskyPoolScore: configKey.number(
    'OUTBOUND_RISKY_POOL_SCORE',
    'Accepted outbound mail scoring at or above this is tagged for the separate IP pool',
    3,
    { min: -1000, max: 1000 },
  ),
  riskyPoolName: configKey.string(
    'OUTBOUND_RISKY_POOL_NAME',
    'Value of the X-Spam-Outbound-Pool routing header for risky mail',
    'risky',
    {
      pattern: /^[A-Za-z0-9._-]{1,64}$/,
    },
  ),
  webhookUrl: configKey.string(
    'OUTBOUND_WEBHOOK_URL',
    "Operators' webhook, POSTed a JSON notice on every automatic block (empty: none)",
    '',
    {
      pattern: /^https?:\/\/\S+$/,
    },
  ),
  webhookTimeoutMs: configKey.int('OUTBOUND_WEBHOOK_TIMEOUT_MS', 'Timeout of one webhook call', 3000, {
    min: 100,
  }),
  publicLookupsPerMinute: configKey.int(
    'PUBLIC_LOOKUPS_PER_MINUTE',
    'Reference look-ups and review requests one client IP may make per minute on the public page',
    10,
    { min: 1 },
  ),
  delistAllowDays: configKey.int(
    'DELIST_ALLOW_DAYS',
    'Lifetime of the allow entry an approved review of an inbound refusal adds (recipient- or domain-scoped); an operator may choose a shorter one',
    30,
    { min: 1, max: 365 },
  ),
};
