// Shared jest configuration: every package and example runs its tests from TypeScript sources,
// with @dyno/* mapped to the sibling packages' src/ so no build is needed first.
const path = require('node:path');

const packages = path.join(__dirname, '..', 'packages');

/** @param {string} dir the package directory (pass __dirname) */
module.exports = (dir, overrides = {}) => ({
  rootDir: dir,
  testEnvironment: 'node',
  // generous: simulations run under coverage on a shared 2-core CI machine; a test that really
  // hangs still fails
  testTimeout: 30_000,
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'mjs', 'json'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { tsconfig: path.join(__dirname, 'tsconfig.jest.json'), diagnostics: false },
    ],
  },
  moduleNameMapper: {
    '^@dyno/core/testing$': path.join(packages, 'core/src/testing/index.ts'),
    '^@dyno/metrics/otel$': path.join(packages, 'metrics/src/otel/index.ts'),
    '^@dyno/([a-z-]+)$': path.join(packages, '$1/src/index.ts'),
    '^@dyno-tools/testing$': path.join(__dirname, 'testing/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.test.ts', '!src/**/test-support/**'],
  coverageReporters: ['text-summary', 'json-summary'],
  // Published packages must keep their tests thorough; examples and tools are programs.
  coverageThreshold:
    path.basename(path.dirname(dir)) === 'packages'
      ? { global: { lines: 95, branches: 90 } }
      : undefined,
  ...overrides,
});
