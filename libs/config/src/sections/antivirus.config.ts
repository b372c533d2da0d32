import { configKey } from '../config-key';

/**
 * Virus scanning (ClamAV's clamd) and archive inspection, part of the filter's section (FilterConfig): the filter's
 * composition root is their only reader. docs/antivirus.md says how to turn ClamAV on.
 */
export const antivirusKeys = {
  clamavAddress: configKey.string(
    'CLAMAV_ADDRESS',
    "clamd's socket: a unix socket path (/run/clamav/clamd.ctl) or host:port for TCP (127.0.0.1:3310); empty: no virus scanning",
    '',
    { pattern: /^(\/\S+|[A-Za-z0-9.-]+:\d{1,5}|\[[0-9A-Fa-f:.]+\]:\d{1,5})$/ },
  ),
  clamavTimeoutMs: configKey.int(
    'CLAMAV_TIMEOUT_MS',
    'How long one clamd scan may take (connect, send, answer) before CLAMAV_TEMPFAIL; the scan deadlines (SCAN_CHECK_TIMEOUT_MS, SCAN_DEADLINE_MS) bound it too',
    1200,
    { min: 10 },
  ),
  clamavMaxBytes: configKey.int(
    'CLAMAV_MAX_BYTES',
    "Largest message sent to clamd; larger ones are not scanned (CLAMAV_SKIPPED). Keep clamd's StreamMaxLength at least this",
    26214400,
    { min: 1024 },
  ),
  clamavOnFailure: configKey.oneOf(
    'CLAMAV_ON_FAILURE',
    'When clamd cannot scan a message (down, timeout, error): defer answers 451 4.3.0 so the sender retries; accept lets the score decide and marks the copy X-Virus-Status: Unscanned (CLAMAV_TEMPFAIL in X-Spam-Symbols)',
    ['defer', 'accept'] as const,
    'defer',
  ),
  archiveInspect: configKey.bool(
    'ARCHIVE_INSPECT',
    'Look into ZIP attachments (nested too) for executables, double extensions, encryption and bombs (ARCHIVE_* symbols)',
    true,
  ),
  archiveMaxDepth: configKey.int(
    'ARCHIVE_MAX_DEPTH',
    'Archives nested in archives are opened down to this depth (the attached one is 1); deeper ones are ARCHIVE_TOO_DEEP',
    3,
    { min: 1, max: 10 },
  ),
  archiveMaxInflateBytes: configKey.int(
    'ARCHIVE_MAX_INFLATE_BYTES',
    'Bytes inflated in memory per message to open nested archives; one that needs more is ARCHIVE_BOMB',
    16777216,
    { min: 0 },
  ),
  archiveMaxExpandedBytes: configKey.int(
    'ARCHIVE_MAX_EXPANDED_BYTES',
    "Declared size of everything in a message's archives (nested included) beyond which they are ARCHIVE_BOMB",
    268435456,
    { min: 0 },
  ),
};
