import { FailingClock, listenerReports, OddClock } from '@dyno/core/testing';
import { Metrics } from './metrics.js';

// A clock of the user's that misbehaves after the metrics were built: they read it through
// core's `steadyClock`, so a bad reading or a step back counts as no time passed.
describe('Metrics on a clock that misbehaves', () => {
  it.each([
    ['NaN', () => Number.NaN],
    ['undefined', () => undefined],
    ['a day back', (t: number) => t - 86_400_000],
  ])('counts every outcome, and rolls its window on, when now() reads %s', async (_what, read) => {
    const clock = new OddClock(1_000);
    const metrics = new Metrics({ name: 'users', clock, window: 10_000, buckets: 10 });
    metrics.record('success', 5);
    clock.read = read;
    await listenerReports(() => {
      metrics.record('failure', 5);
      metrics.end('success', metrics.begin());
    });
    expect(metrics.snapshot().counts).toMatchObject({ success: 2, failure: 1 });
    expect(metrics.snapshot().inFlight).toBe(0);
    // the clock good again: time goes on, and the window forgets those calls 10 s later
    clock.read = undefined;
    await clock.advance(10_000);
    expect(metrics.snapshot().counts).toMatchObject({ success: 0, failure: 0 });
  });

  it('reports a clock that throws once, and counts on', async () => {
    const clock = new FailingClock();
    const metrics = new Metrics({ name: 'users', clock });
    clock.failing = true;
    const reports = await listenerReports(() => {
      metrics.record('success', 5);
      metrics.record('success', 5);
    });
    expect(reports.map((r) => r.source)).toEqual(['@dyno/metrics "users" clock']);
    expect(metrics.snapshot().counts.success).toBe(2);
  });
});
