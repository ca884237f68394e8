import { ManualClock } from '@dyno/core/testing';
import { runBasics } from './main.js';

describe('basics example', () => {
  it('cancels every tenth call and reports percentiles close to the exact ones', async () => {
    const clock = new ManualClock();
    const running = runBasics(200, 5, clock);
    await clock.runAll();
    const report = await running;
    expect(report.calls).toBe(200);
    expect(report.aborted).toBe(20);
    expect(report.p50).toBeGreaterThan(0);
    expect(report.p99).toBeGreaterThanOrEqual(report.p50);
    expect(report.p99).toBeLessThanOrEqual(5);
    expect(Math.abs(report.p99 - report.exactP99)).toBeLessThanOrEqual(report.exactP99 * 0.01);
  });
});
