// Shared StrykerJS configuration: every package's `mutation` script runs
// `stryker run ../../tools/stryker.config.mjs` from the package directory, so the paths below are
// relative to that package.
//
// The sandbox lives in `.stryker-tmp/` at the repository root (two levels above the package), so a
// sandboxed package sits at the same depth as `packages/<name>/`: its jest.config.cjs, which
// requires `../../tools/jest.config.base.cjs`, resolves unchanged, and node_modules resolve from
// the repository root as they do for the real package.

// pnpm keeps each package's dependencies private, so Stryker's core cannot find the jest runner
// by its "@stryker-mutator/*" glob; resolve its ESM entry from here (the root devDependency).
const jestRunner = import.meta.resolve('@stryker-mutator/jest-runner');

const mutate = ['src/**/*.ts', '!src/**/*.test.ts', '!src/**/test-support/**', '!src/index.ts'];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  plugins: [jestRunner],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.cjs',
    // Only the tests that cover a mutant run for it (see coverageAnalysis).
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  mutate,
  // Static mutants (module-level constants, frozen defaults) need every test re-run in a fresh
  // process; they cost more than the rest together and are covered by the options tests.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '../../.stryker-tmp',
  cleanTempDir: true,
  concurrency: 2,
  timeoutMS: 10_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 75, break: null },
};
