import { ManualClock } from '@dyno/core/testing';
import { PoolFullError } from '@dyno/pool';
import { service } from './service.js';

/**
 * Issue 18, item 1: a dependency that hangs and ignores its signal, then recovers. The calls made
 * while it hung never settle, not even after it recovered.
 */
function hangingDependency() {
  const state = { down: true, hung: 0, calls: 0 };
  const fn = () => {
    state.calls++;
    if (!state.down) return Promise.resolve('ok');
    state.hung++;
    return new Promise<string>(() => {});
  };
  return { state, fn };
}

// retries with a fixed random, so the backoffs are the same every run
const retry = { random: () => 0.5 };

describe('service with a dependency that hangs and ignores its signal', () => {
  it('recovers within openDuration plus one probe (timeout 50, concurrency 2)', async () => {
    const clock = new ManualClock();
    const { state, fn } = hangingDependency();
    const s = service(fn, { clock, retry, timeout: 50, pool: { concurrency: 2 } });
    const outcomes: unknown[] = [];
    // ten seconds of outage, a call every 100 ms
    for (let i = 0; i < 100; i++) {
      s().then(
        (v) => outcomes.push(v),
        (e: unknown) => outcomes.push(e),
      );
      await clock.advance(100);
    }
    await clock.advance(1000);
    expect(outcomes).toHaveLength(100);
    expect(outcomes.every((o) => o instanceof Error)).toBe(true);
    // the breaker counted the timeouts and opened; the pool refused none for good
    expect(s.breaker?.state).not.toBe('closed');
    expect(s.pool?.active).toBe(0);
    expect(s.pool?.abandoned).toBe(state.hung);
    expect(s.metrics?.snapshot().pool?.abandoned).toBe(state.hung);
    // the breaker bounds what a hung dependency is sent: its minimum volume (20) before it
    // opens, then one probe per open period (5 s), not a call every 100 ms
    expect(state.hung).toBeLessThanOrEqual(24);

    state.down = false;
    await clock.advance(5000); // openDuration
    await expect(s()).resolves.toBe('ok'); // the probe
    expect(s.breaker?.state).toBe('closed');
    await expect(s()).resolves.toBe('ok');
    s.dispose();
  });

  it('keeps serving after 12 hung calls with the defaults', async () => {
    const clock = new ManualClock();
    const { state, fn } = hangingDependency();
    const s = service(fn, { clock, retry });
    const calls = Array.from({ length: 12 }, () => s().catch((e: unknown) => e));
    await clock.advance(10_000);
    const errors = await Promise.all(calls);
    expect(errors.filter((e) => PoolFullError.isInstance(e))).toHaveLength(2);
    expect(state.hung).toBe(10);
    expect(s.pool?.active).toBe(0);

    state.down = false;
    await clock.advance(5000);
    await expect(s()).resolves.toBe('ok');
    await expect(s()).resolves.toBe('ok');
    expect(s.breaker?.state).toBe('closed');
    s.dispose();
  });
});
