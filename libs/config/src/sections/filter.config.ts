import { configKey } from '../config-key';
import { antivirusKeys } from './antivirus.config';

export const filterSection = {
  host: configKey.string('FILTER_HOST', 'Address the filter listens on', '127.0.0.1'),
  port: configKey.int('FILTER_PORT', 'Port of the filter (POST /v1/scan)', 8025, { min: 0, max: 65535 }),
  workers: configKey.int(
    'FILTER_WORKERS',
    'Filter processes sharing FILTER_PORT (node:cluster; use the cores). Above 1 needs DB_TYPE=postgres and COUNTERS=redis',
    1,
    { min: 1, max: 64 },
  ),
  scanThreads: configKey.int(
    'SCAN_THREADS',
    'Worker threads per filter process that parse, tokenize, fingerprint and run the content heuristics off the main thread (0: all on the main thread)',
    1,
    { min: 0, max: 16 },
  ),
  maxMessageBytes: configKey.int(
    'SCAN_MAX_BYTES',
    'Largest message body accepted by POST /v1/scan',
    26214400,
    { min: 1024 },
  ),
  deadlineMs: configKey.int(
    'SCAN_DEADLINE_MS',
    'Overall deadline of one scan; checks still running are reported as *_TEMPFAIL',
    2000,
    { min: 10 },
  ),
  checkTimeoutMs: configKey.int('SCAN_CHECK_TIMEOUT_MS', 'Deadline of a single check', 1500, { min: 5 }),
  dns: configKey.oneOf(
    'DNS_MODE',
    'DNS checks: off (no network checks), system resolver, or the servers in DNS_SERVERS',
    ['off', 'system', 'servers'] as const,
    'off',
  ),
  dnsServers: configKey.list('DNS_SERVERS', 'DNS servers as host:port (DNS_MODE=servers)', []),
  dnsTimeoutMs: configKey.int('DNS_TIMEOUT_MS', 'Timeout of one DNS query', 800, { min: 10 }),
  dnsCacheSeconds: configKey.int(
    'DNS_CACHE_SECONDS',
    'In-process cache of DNS answers (0: off); a local caching resolver is still recommended',
    60,
    { min: 0 },
  ),
  dnsCacheEntries: configKey.int('DNS_CACHE_ENTRIES', 'Largest number of cached DNS answers', 20000, {
    min: 0,
  }),
  dnsblZones: configKey.list(
    'DNSBL_ZONES',
    'DNS block/allow lists as zone=SYMBOL:weight (negative weight for allow lists), e.g. zen.spamhaus.org=RBL_SPAMHAUS:4,list.dnswl.org=RCVD_IN_DNSWL:-1',
    [],
  ),
  dnsblCodes: configKey.list(
    'DNSBL_CODES',
    'Answer codes of a DNSBL_ZONES zone that mean their own listing, as zone/127.0.0.x[-127.0.0.y]=SYMBOL:weight; other 127/8 codes keep the zone symbol, 127.255.255.x is an error (DNSBL_ERROR, counted, not a listing). e.g. zen.spamhaus.org/127.0.0.2-127.0.0.3=RBL_SPAMHAUS_SBL:4,zen.spamhaus.org/127.0.0.4-127.0.0.7=RBL_SPAMHAUS_XBL:4,zen.spamhaus.org/127.0.0.10-127.0.0.11=RBL_SPAMHAUS_PBL:2',
    [],
  ),
  mta: configKey.string(
    'FILTER_MTA_NAME',
    'authserv-id of the Authentication-Results header added to delivered inbound mail (RFC 8601 §2.5); the Haraka plugin removes incoming headers claiming it ([headers] authserv_id)',
    'spamfilter.local',
    { pattern: /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/ },
  ),
  arcTrustedSealers: configKey.list(
    'ARC_TRUSTED_SEALERS',
    'ARC sealers (d= of the ARC-Seal) whose recorded dmarc=pass overrides a DMARC failure when their chain validates (RFC 8617 §7.2.1), e.g. google.com for Google Groups',
    [],
  ),
  marketingPhrases: configKey.list(
    'CONTENT_MARKETING_PHRASES',
    'Forbidden marketing phrases (case-insensitive) for MARKETING_PHRASE',
    [
      'act now',
      'limited time offer',
      'risk free',
      '100% free',
      'click here to unsubscribe',
      'no credit check',
      'earn money fast',
      'you have been selected',
      'this is not spam',
      'lowest price',
    ],
  ),
  failOpen: configKey.bool(
    'SCAN_FAIL_OPEN',
    'When the scan itself cannot run (bug, overload), answer accept (true) or 451 (false); checks that fail are always TEMPFAIL symbols',
    true,
  ),
  logBatchSize: configKey.int(
    'SCAN_LOG_BATCH',
    'Scan records written to the message log per batch (one transaction; SQLite holds the event loop ~0.13 ms per record)',
    50,
    { min: 1 },
  ),
  logThread: configKey.bool(
    'SCAN_LOG_THREAD',
    'Insert the message log from a thread with its own database connection, off the thread that answers scans (not with SQLite in memory)',
    true,
  ),
  logFlushMs: configKey.int(
    'SCAN_LOG_FLUSH_MS',
    'Longest wait before a partial batch of scan records is written',
    250,
    { min: 10 },
  ),
  logBufferMax: configKey.int(
    'SCAN_LOG_BUFFER',
    'Scan records buffered while the database is down; beyond it records are dropped and counted',
    50000,
    { min: 1 },
  ),
  reputationHalfLifeHours: configKey.number(
    'REPUTATION_HALF_LIFE_HOURS',
    'Half-life of the IP / network / sender-domain reputation history',
    72,
    { min: 0.01 },
  ),
  maxRecipients: configKey.int(
    'SCAN_MAX_RECIPIENTS',
    'Most recipients accepted in one scan; the Haraka plugin answers 452 4.5.3 to recipients past its own max_recipients (keep it at or below this)',
    1000,
    { min: 1 },
  ),
  quarantineRetentionDays: configKey.number(
    'QUARANTINE_RETENTION_DAYS',
    'Days a quarantined copy is kept before the retention sweep deletes it',
    30,
    { min: 0.001 },
  ),
  apiToken: configKey.string(
    'FILTER_API_TOKEN',
    'Shared secret the Haraka plugin sends as "Authorization: Bearer <token>"; when set, every filter route but /health and /metrics refuses requests without it (401)',
    '',
    { secret: true },
  ),
  ...antivirusKeys,
};
