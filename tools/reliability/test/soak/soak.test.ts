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
    expect(report.throughCache).toBeGreaterThan(0);
  });

  it('never lets the pool run more than its limit', () => {
    expect(report.maxPoolActive).toBeLessThanOrEqual(report.concurrency);
    expect(report.maxDependencyConcurrency).toBeLessThanOrEqual(report.concurrency);
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
