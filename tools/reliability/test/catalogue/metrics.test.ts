import { CircuitBreaker } from '@dyno/breaker';
import { systemClock } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Metrics } from '@dyno/metrics';
import { ConstantBackoff, Retry } from '@dyno/retry';

// The peers' metrics and timing bugs, one regression test each (see docs/reliability.md).

describe('peer bug: a rolling percentile reporting a stale value after idle (Hystrix#1392)', () => {
  it('reports no latency and no requests once the windows have passed with no calls', () => {
    const clock = new ManualClock();
    const metrics = new Metrics({ clock });
    for (let i = 1; i <= 500; i++) metrics.record('success', i);
    const busy = metrics.snapshot();
    expect(busy.latency.count).toBe(500);
    expect(busy.requests).toBe(500);
    clock.set(61_000);
    const idle = metrics.snapshot();
    expect(idle.requests).toBe(0);
    expect(idle.errorPercentage).toBe(0);
    expect(idle.latency.count).toBe(0);
    expect(idle.latency.mean).toBeNull();
    expect(Object.values(idle.latency.percentiles).every((v) => v === null)).toBe(true);
    // and the next value after idle is reported alone, not mixed with the old ones
    metrics.record('success', 7);
    const after = metrics.snapshot().latency;
    expect(after.count).toBe(1);
    expect(after.percentiles['50']).toBeCloseTo(7, 0);
    expect(after.percentiles['100']).toBe(7);
  });
});

describe('peer bug: timing that follows the wall clock (cockatiel and opossum read Date.now)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('keeps an open circuit open when the wall clock jumps an hour ahead', async () => {
    const breaker = new CircuitBreaker({
      openDuration: 60_000,
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    expect(breaker.state).toBe('open');
    const real = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => real + 3_600_000);
    expect(breaker.state).toBe('open');
  });

  it('keeps a retry deadline when the wall clock jumps back a day', async () => {
    // Jest's fake timers drive both clocks: `advanceTimersByTime` moves `performance.now()` and
    // `Date.now()` together, `setSystemTime` moves the wall clock alone. Retries every 100 ms
    // against a 1 s deadline stop after 11 attempts (at 0, 100, ..., 1000 ms). A deadline read
    // from `Date.now()` sees -1 day elapsed after the jump and retries all 50 attempts.
    jest.useFakeTimers();
    try {
      const retry = new Retry({
        attempts: 50,
        backoff: new ConstantBackoff({ delay: 100 }),
        deadline: 1_000,
      });
      let calls = 0;
      const started = performance.now();
      let ended = Number.NaN;
      const result = retry
        .execute(() => {
          if (++calls === 2) jest.setSystemTime(Date.now() - 86_400_000);
          return Promise.reject(new Error('down'));
        })
        .catch((error: unknown) => {
          ended = performance.now();
          return error;
        });
      await jest.advanceTimersByTimeAsync(10_000);
      expect(await result).toBeInstanceOf(Error);
      expect(calls).toBe(11);
      expect(ended - started).toBe(1_000);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reads the default clock from performance.now, not Date.now', () => {
    const now = jest.spyOn(Date, 'now');
    const before = performance.now();
    const read = systemClock.now();
    expect(read).toBeGreaterThanOrEqual(before);
    expect(read).toBeLessThanOrEqual(performance.now());
    expect(now).not.toHaveBeenCalled();
  });
});
