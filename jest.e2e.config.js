// End-to-end tests of the web console: a real headless Chromium (Debian's, driven by playwright-core) against the
// running product — Haraka over SMTP, the filter, the API with the learner, Dovecot. One file at a time: each starts
// the whole product. The console is built first when its sources are newer than dist/console (test/e2e/global-setup).
module.exports = {
  ...require('./jest.shared'),
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/e2e/global-setup.ts',
  testTimeout: 120000,
  maxWorkers: 1,
};
