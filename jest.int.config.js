// Integration tests: the real PostgreSQL, Redis, Kafka and Haraka, brought up by scripts/services.sh.
module.exports = {
  ...require('./jest.shared'),
  displayName: 'integration',
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
  testTimeout: 60000,
  maxWorkers: 1,
};
