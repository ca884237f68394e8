import { writeFileSync } from 'node:fs';
import { runSoak, type SoakReport } from './scenario.js';

// The soak test of issue 13: 100,000 calls through the whole pipeline on the manual clock.
// Set DYNO_SOAK_REPORT to a file path to keep the figures (docs/reliability.md quotes them).

describe('the whole pipeline under the fault mix (100,000 calls, manual clock)', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak({
      calls: Number(process.env.DYNO_SOAK_CALLS ?? 100_000),
      time: 'manual',
    });
    if (process.env.DYNO_SOAK_REPORT) {
      writeFileSync(process.env.DYNO_SOAK_REPORT, `${JSON.stringify(report, null, 2)}\n`);
    }
  });

  it('settles every call exactly once', () => {
    const { succeeded, failed, rejected, timedOut, cancelled } = report.outcomes;
    expect(report.unsettled).toBe(0);
    expect(report.settledTwice).toBe(0);
    expect(succeeded + failed + rejected + timedOut + cancelled).toBe(report.calls);
  });

  it('reconciles the counts of the callers, retry, the breaker, the pool and the metrics exactly', () => {
    // one line per balance that does not hold, so a failure names the parties that disagree
    expect(report.balances.filter((b) => !b.holds)).toEqual([]);
    expect(report.balances.length).toBeGreaterThan(20);
  });

  it('lets no late answer reach a caller, and no attempt answer two calls', () => {
    const { callers, dependency } = report.ledger;
    expect(dependency.late).toBeGreaterThan(0);
    expect(callers.lateAnswers).toBe(0);
    expect(callers.answeredTwice).toBe(0);
  });

  it('gives back the slots of calls that never settle: abandoned, not held for good', () => {
    const { pool, dependency } = report.ledger;
    expect(dependency.forever).toBe(3);
    expect(pool.active).toBe(0);
    expect(pool.abandoned).toBe(dependency.forever);
    expect(pool.abandonedTotal).toBeGreaterThan(dependency.forever);
  });

  it('exercised every fault of the mix and every kind of outcome', () => {
    for (const kind of [
      'error',
      'throwable',
      'syncThrow',
      'latency',
      'hang',
      'thenable',
      'callerAbort',
    ]) {
      expect(report.faults[kind]).toBeGreaterThan(0);
    }
    for (const n of Object.values(report.outcomes)) expect(n).toBeGreaterThan(0);
    // below chaos, calls that ignore their signal: failing late, answering late, never settling
    const { deafHang, late, forever } = report.ledger.dependency;
    expect(deafHang).toBeGreaterThan(forever);
    expect(late).toBeGreaterThan(0);
    expect(report.throughCache).toBeGreaterThan(0);
  });

  it('never lets the pool run more than its limit, nor the dependency see more than limit + abandoned', () => {
    expect(report.maxPoolActive).toBeLessThanOrEqual(report.concurrency);
    expect(report.maxAbandoned).toBe(report.concurrency);
    expect(report.maxDependencyConcurrency).toBeLessThanOrEqual(
      report.concurrency + report.maxAbandoned,
    );
  });

  it('moves the breaker only along legal transitions', () => {
    expect(report.illegalTransitions).toEqual([]);
    expect(report.transitions['closed>open']).toBeGreaterThan(0);
  });

  it('raises no unhandled rejection and no process warning', () => {
    expect(report.unhandledRejections).toBe(0);
    expect(report.warnings).toEqual([]);
  });

  it('leaves the long-lived caller signal with the listeners it started with', () => {
    expect(report.listenersAfter).toBe(report.listenersBefore);
  });

  it('grows the heap by less than 5 MB after GC, and leaves no timer after dispose', () => {
    expect(report.heapGrowthBytes).toBeLessThan(5 * 1024 * 1024);
    expect(report.pendingTimersAfterDispose).toBe(0);
  });
});
