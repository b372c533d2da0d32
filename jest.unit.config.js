// Unit tests: pure code and in-process adapters; no external service is needed.
module.exports = {
  ...require('./jest.shared'),
  displayName: 'unit',
  testMatch: ['<rootDir>/{apps,libs,bench,scripts,test}/**/*.spec.ts'],
};
