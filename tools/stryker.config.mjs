import { createRequire } from 'node:module';
import { basename } from 'node:path';

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

// The mutation score each package must reach (docs/reliability.md): 85 for the three primitives
// every service call goes through, 75 for the rest. A run below it ends with exit code 1, so the
// package's `mutation` script, and `pnpm mutation`, fail. DYNO_MUTATION_BREAK (0 to 100) replaces
// the target for one run, e.g. to show that a run fails when its score is below it.
const TARGETS = { breaker: 85, retry: 85, pool: 85 };
const DEFAULT_TARGET = 75;

/** The score below which this run fails: the package's target, or DYNO_MUTATION_BREAK. */
function breakThreshold(name) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: read by direct runs of one package (`pnpm --filter <pkg> mutation`); turbo's mutation task is never cached
  const override = process.env.DYNO_MUTATION_BREAK;
  if (override === undefined || override === '') return TARGETS[name] ?? DEFAULT_TARGET;
  const value = Number(override);
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new RangeError(
      `tools/stryker.config.mjs: DYNO_MUTATION_BREAK must be a number from 0 to 100; received ${JSON.stringify(override)}`,
    );
  }
  return value;
}

// The shared jest preset maps every `@dyno/<name>` import to the real packages' sources by
// absolute path. A test that imports its own package by name (index tests, `@dyno/metrics/otel`,
// `@dyno/core/testing`) would then load the unmutated original instead of the sandbox's copy,
// and its mutants would show as uncovered. Map the package's own names into the sandbox first.
const require = createRequire(import.meta.url);
const pkg = basename(process.cwd());
const preset = require('./jest.config.base.cjs')(process.cwd());
const own = {
  [`^@dyno/${pkg}$`]: '<rootDir>/src/index.ts',
  ...(pkg === 'core' ? { '^@dyno/core/testing$': '<rootDir>/src/testing/index.ts' } : {}),
  ...(pkg === 'metrics' ? { '^@dyno/metrics/otel$': '<rootDir>/src/otel/index.ts' } : {}),
};
// own names first (jest tries the patterns in order), and the preset's entries for the same
// patterns left out: spreading them after would put the real sources back under those keys
const moduleNameMapper = {
  ...own,
  ...Object.fromEntries(Object.entries(preset.moduleNameMapper).filter(([k]) => !(k in own))),
};

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  plugins: [jestRunner],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.cjs',
    config: {
      moduleNameMapper,
      // cache-redis's four-process test transpiles sibling packages from the real tree into
      // child processes, which the sandbox cannot give it (and it runs 8 s on real time)
      ...(pkg === 'cache-redis' ? { testPathIgnorePatterns: ['/processes\\.test\\.ts$'] } : {}),
    },
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
  thresholds: { high: 90, low: 75, break: breakThreshold(pkg) },
};
