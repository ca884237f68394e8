import { writeFileSync } from 'node:fs';
import { runSoak } from '../soak/scenario.js';

// The long soak (`pnpm soak:long`): 1,000,000 calls through the same pipeline on real time, with
// every duration shrunk (timeout 10 ms, latency fault 25 ms). Not part of `pnpm test`; its last
// result is recorded in docs/reliability.md. DYNO_SOAK_CALLS changes the count, DYNO_SOAK_REPORT
// names a file for the figures.

it('keeps every invariant over 1,000,000 calls on real time', async () => {
  const report = await runSoak({
    calls: Number(process.env.DYNO_SOAK_CALLS ?? 1_000_000),
    time: 'real',
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (process.env.DYNO_SOAK_REPORT) {
    writeFileSync(process.env.DYNO_SOAK_REPORT, `${JSON.stringify(report, null, 2)}\n`);
  }
  const { succeeded, failed, rejected, timedOut, cancelled } = report.outcomes;
  expect(report.unsettled).toBe(0);
  expect(report.settledTwice).toBe(0);
  expect(succeeded + failed + rejected + timedOut + cancelled).toBe(report.calls);
  expect(report.maxPoolActive).toBeLessThanOrEqual(report.concurrency);
  expect(report.maxDependencyConcurrency).toBeLessThanOrEqual(
    report.concurrency + report.maxAbandoned,
  );
  expect(report.balances.filter((b) => !b.holds)).toEqual([]);
  expect(report.illegalTransitions).toEqual([]);
  expect(report.unhandledRejections).toBe(0);
  expect(report.warnings).toEqual([]);
  expect(report.listenersAfter).toBe(report.listenersBefore);
  expect(report.heapGrowthBytes).toBeLessThan(5 * 1024 * 1024);
  // timers of the test runner itself may end meanwhile: fewer is fine, more is a leak
  expect(report.activeTimersAfterDispose).toBeLessThanOrEqual(0);
});
