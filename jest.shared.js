// Shared jest settings: ts-jest transpiles without type checking (tsc --noEmit does that once, in `npm run typecheck`).
const { compilerOptions } = require('./tsconfig.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = `<rootDir>/${target}`;
}

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.cache/', '<rootDir>/.var/'],
  // A limit per test, not a speed claim: jest's 5 s default is met easily when idle and missed when the machine is
  // shared (a test waits on conditions, so a longer limit only matters when the code is broken).
  testTimeout: 30_000,
};
