import { configKey } from '../config-key';

/** host:port of an SMTP server (IPv6 in brackets). */
const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * The quarantine as the API serves it: releases re-injected through Haraka (a released inbound copy through the MX,
 * held outbound mail through submission), with a one-time ticket the filter redeems, and the daily digest.
 * Retention of kept copies is the filter's QUARANTINE_RETENTION_DAYS.
 */
export const quarantineSection = {
  releaseInboundSmtp: configKey.string(
    'RELEASE_INBOUND_SMTP',
    'Haraka MX (host:port) a released inbound copy is submitted to, so it reaches the mailbox through the normal path',
    '127.0.0.1:2525',
    { pattern: HOST_PORT },
  ),
  releaseSubmissionSmtp: configKey.string(
    'RELEASE_SUBMISSION_SMTP',
    'Haraka submission (host:port) released held outbound mail and digests are submitted to (SMTP AUTH as RELEASE_SUBMISSION_USER)',
    '127.0.0.1:5587',
    { pattern: HOST_PORT },
  ),
  releaseSubmissionUser: configKey.string(
    'RELEASE_SUBMISSION_USER',
    'Submission account the API authenticates as (relaying only: the filter still scans its mail unless a ticket redeems); empty: held outbound mail cannot be released and no digest is sent',
    '',
  ),
  releaseSubmissionPassword: configKey.string('RELEASE_SUBMISSION_PASSWORD', "That account's password", '', {
    secret: true,
  }),
  releaseHelo: configKey.string(
    'RELEASE_HELO',
    'Name the API gives in EHLO when it submits',
    'spamfilter-api.localhost',
  ),
  releaseTicketTtlSeconds: configKey.int(
    'RELEASE_TICKET_TTL_SECONDS',
    'How long a release ticket can be redeemed by the filter (covers the submission; Haraka retries are the sender-side queue)',
    600,
    { min: 10, max: 86400 },
  ),
  releaseSmtpTimeoutMs: configKey.int(
    'RELEASE_SMTP_TIMEOUT_MS',
    'Deadline of one release or digest submission over SMTP',
    30000,
    { min: 1000 },
  ),
  digestEnabled: configKey.bool(
    'QUARANTINE_DIGEST_ENABLED',
    'Send each user with newly quarantined mail a daily digest through the outbound path',
    false,
  ),
  digestHourUtc: configKey.int(
    'QUARANTINE_DIGEST_HOUR_UTC',
    'Hour of the day (UTC) from which the daily digest is sent',
    7,
    { min: 0, max: 23 },
  ),
  digestFrom: configKey.string(
    'QUARANTINE_DIGEST_FROM',
    'Sender (From and MAIL FROM) of the digest',
    'postmaster@localhost',
    { pattern: ADDRESS },
  ),
  digestMaxItems: configKey.int(
    'QUARANTINE_DIGEST_MAX_ITEMS',
    'Messages listed in one digest (the newest); the rest are counted',
    50,
    { min: 1, max: 500 },
  ),
};
