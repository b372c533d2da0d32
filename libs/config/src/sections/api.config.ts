import { configKey } from '../config-key';

export const apiSection = {
  host: configKey.string('API_HOST', 'Address the API listens on', '127.0.0.1'),
  port: configKey.int('API_PORT', 'Port of the REST API and console', 8080, { min: 0, max: 65535 }),
  bootstrapOperatorKey: configKey.string(
    'API_BOOTSTRAP_OPERATOR_KEY',
    'If set, an operator API key with this secret is ensured at start-up (first login); at least 24 characters',
    '',
    { secret: true, pattern: /^.{24,}$/ },
  ),
};
