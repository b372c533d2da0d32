import { configKey } from '../config-key';

export const filterSection = {
  host: configKey.string('FILTER_HOST', 'Address the filter listens on', '127.0.0.1'),
  port: configKey.int('FILTER_PORT', 'Port of the filter (POST /v1/scan)', 8025, { min: 0, max: 65535 }),
  maxMessageBytes: configKey.int('SCAN_MAX_BYTES', 'Largest message body accepted by POST /v1/scan', 26214400, { min: 1024 }),
  deadlineMs: configKey.int('SCAN_DEADLINE_MS', 'Overall deadline of one scan; checks still running are reported as *_TEMPFAIL', 2000, { min: 10 }),
  checkTimeoutMs: configKey.int('SCAN_CHECK_TIMEOUT_MS', 'Deadline of a single check', 1500, { min: 5 }),
  dns: configKey.oneOf('DNS_MODE', 'DNS checks: off (no network checks), system resolver, or the servers in DNS_SERVERS', ['off', 'system', 'servers'] as const, 'off'),
  dnsServers: configKey.list('DNS_SERVERS', 'DNS servers as host:port (DNS_MODE=servers)', []),
  dnsTimeoutMs: configKey.int('DNS_TIMEOUT_MS', 'Timeout of one DNS query', 800, { min: 10 }),
};
