// Haraka plugin tests (plain JavaScript, haraka-test-fixtures), one project per plugin package under haraka-plugins/.
module.exports = {
  ...require('./jest.shared'),
  displayName: 'haraka',
  testMatch: ['<rootDir>/haraka-plugins/**/test/*.spec.js'],
  testPathIgnorePatterns: ['/node_modules/'],
};
