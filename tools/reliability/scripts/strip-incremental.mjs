// Runs after `stryker run` (each package's `mutation` script): rewrites the package's
// reports/stryker-incremental.json so that it can be committed and reused by CI's incremental
// runs. Stryker stores stack traces (`statusReason`), the project root and its whole
// configuration there, all with this machine's absolute paths; incremental mode needs none of
// them, only each mutant's status and the tests that covered and killed it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/stryker-incremental.json';
if (!existsSync(file)) process.exit(0);
const report = JSON.parse(readFileSync(file, 'utf8'));
delete report.projectRoot;
delete report.config;
for (const entry of Object.values(report.files ?? {})) {
  for (const mutant of entry.mutants ?? []) delete mutant.statusReason;
}
for (const entry of Object.values(report.testFiles ?? {})) {
  for (const test of entry.tests ?? []) delete test.statusReason;
}
writeFileSync(file, `${JSON.stringify(report)}\n`);
