// Adds up every package's jest results (.test-results.json) and prints "N passed, N failed".
// Exits 1 when a test failed, a suite failed to run, or no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(
  import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
  '..',
);
const dirs = ['packages', 'examples', 'tools', '.']
  .flatMap((group) =>
    group === '.'
      ? ['bench']
      : readdirSync(path.join(root, group), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => path.join(group, d.name)),
  )
  .filter((dir) => existsSync(path.join(root, dir, 'package.json')));

let passed = 0;
let failed = 0;
let brokenSuites = 0;
const rows = [];
const failures = [];
for (const dir of dirs) {
  const file = path.join(root, dir, '.test-results.json');
  const hasTests = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')).scripts
    ?.test;
  if (!hasTests) continue;
  if (!existsSync(file)) {
    rows.push(`${dir}: no results (the test task did not run)`);
    brokenSuites++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  brokenSuites += r.numRuntimeErrorTestSuites;
  for (const suite of r.testResults) {
    const file = path.relative(root, suite.name);
    if (suite.testExecError || (suite.status === 'failed' && suite.assertionResults.length === 0)) {
      failures.push(`${file}: ${firstLines(suite.message || suite.testExecError?.message)}`);
    }
    for (const test of suite.assertionResults) {
      if (test.status === 'failed') {
        failures.push(`${file} › ${test.fullName}\n${firstLines(test.failureMessages.join('\n'))}`);
      }
    }
  }
  rows.push(
    `${dir}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`,
  );
}
// A CI log keeps the end of the output: what failed is printed here, next to the totals.
if (failures.length > 0) console.log(`\nWhat failed:\n${failures.join('\n\n')}\n`);
console.log(rows.join('\n'));
if (brokenSuites > 0) console.log(`${brokenSuites} test suite(s) failed to run`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && brokenSuites === 0 && passed > 0 ? 0 : 1);

function firstLines(text = '') {
  const lines = String(text)
    .split('\n')
    .filter((line) => !/^\s+at /.test(line));
  return lines.slice(0, 12).join('\n');
}
