import { configKey } from '../config-key';

/**
 * The web console (apps/api serves it at /console on the API's port). People sign in with an API key, or with their
 * mailbox password checked against the provider's IMAP server, and get an opaque server-side session in an HttpOnly,
 * SameSite=Strict cookie; the key or password never stays in the browser.
 */
export const consoleSection = {
  enabled: configKey.bool(
    'CONSOLE_ENABLED',
    'Serve the web console at /console (and redirect / there)',
    true,
  ),
  dir: configKey.string(
    'CONSOLE_DIR',
    'Folder of the built console (index.html, assets/); empty: dist/console of this installation (npm run build makes it)',
    '',
  ),
  sessionIdleMinutes: configKey.int(
    'CONSOLE_SESSION_IDLE_MINUTES',
    'A console session ends after this long without a request',
    60,
    { min: 1, max: 1440 },
  ),
  sessionMaxHours: configKey.int(
    'CONSOLE_SESSION_MAX_HOURS',
    'A console session ends this long after sign-in, however active it is',
    12,
    { min: 1, max: 168 },
  ),
  cookieSecure: configKey.oneOf(
    'CONSOLE_COOKIE_SECURE',
    'Secure flag of the session cookie: auto sets it when the request came over TLS (directly, or X-Forwarded-Proto: https from a proxy)',
    ['auto', 'always', 'never'] as const,
    'auto',
  ),
  origin: configKey.string(
    'CONSOLE_ORIGIN',
    "The console's public origin (e.g. https://mail-filter.example.net) that state-changing requests with the session cookie must come from; empty: the request's own Host",
    '',
    { pattern: /^https?:\/\/[^/\s]+$/ },
  ),
  imapUrl: configKey.string(
    'CONSOLE_IMAP_URL',
    "Mailbox sign-in: the provider's IMAP server that checks a user's password (imaps://host:993, or imap://host:143 with STARTTLS); empty: sign-in with an API key only",
    '',
    { pattern: /^imaps?:\/\/[^/\s:]+(:\d{1,5})?\/?$/ },
  ),
  imapTlsVerify: configKey.bool(
    'CONSOLE_IMAP_TLS_VERIFY',
    "Verify the IMAP server's TLS certificate (turn off only for a server on loopback with a self-signed certificate)",
    true,
  ),
  imapTimeoutMs: configKey.int(
    'CONSOLE_IMAP_TIMEOUT_MS',
    'Mailbox sign-in: give up on the IMAP server after this long',
    5000,
    {
      min: 100,
      max: 60000,
    },
  ),
  signInPerMinute: configKey.int(
    'CONSOLE_SIGNIN_PER_MINUTE',
    'Mailbox sign-ins (password checked over IMAP) one client IP may try per minute, so the console is no faster a password oracle than IMAP itself',
    10,
    { min: 1 },
  ),
};
