import { CircuitBreaker, DEFAULT_CIRCUIT_BREAKER_OPTIONS } from '@dyno/breaker';
import { Cache, MemoryStore } from '@dyno/cache';
import { MAX_DURATION } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Pool, PoolFullError, RateLimitedError, RateLimiter, Timeout } from '@dyno/pool';
import { ConstantBackoff, DecorrelatedJitterBackoff, Retry } from '@dyno/retry';

// The peers' option-handling bugs, one regression test each (see docs/reliability.md).

/** Settles `promise` into a box readable at once: `pending` until it settles. */
function observe(promise: Promise<unknown>): {
  state: 'pending' | 'fulfilled' | 'rejected';
  value: unknown;
} {
  const box = {
    state: 'pending' as 'pending' | 'fulfilled' | 'rejected',
    value: undefined as unknown,
  };
  promise.then(
    (value) => Object.assign(box, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(box, { state: 'rejected', value: error }),
  );
  return box;
}

/** Lets every queued promise job run (a macrotask turn; no time passes on any clock). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('peer bug: options set to 0 silently replaced by defaults (opossum#824)', () => {
  // The peer wrote `options.x || default`. That can only lose a 0 where the fallback is not 0:
  // a pool's default queue is 0 as well, so building `new Pool({ queue: 0 })` says nothing
  // about it. A resize does: its fallback is the pool's current queue.
  it('honours queue: 0 as "reject at once", also when resized from a queue of 5', async () => {
    const built = new Pool({ concurrency: 1, queue: 0 });
    const resized = new Pool({ concurrency: 1, queue: 5 });
    resized.resize({ queue: 0 });
    for (const pool of [built, resized]) {
      expect(pool.queue).toBe(0);
      let release!: () => void;
      const first = pool.execute(() => new Promise<void>((resolve) => (release = resolve)));
      const second = await pool.execute(() => 'x').catch((e: unknown) => e);
      expect(PoolFullError.isInstance(second)).toBe(true);
      expect((second as PoolFullError).reason).toBe('queue-full');
      expect(pool.queued).toBe(0);
      release();
      await first;
    }
  });

  it('honours maxDelay: 0 and a constant delay of 0: retries wait 0 ms, not 100', async () => {
    const clock = new ManualClock();
    for (const options of [{ maxDelay: 0 }, { backoff: new ConstantBackoff({ delay: 0 }) }]) {
      const policy = new Retry({ attempts: 4, clock, ...options });
      const delays: number[] = [];
      policy.onRetry((event) => delays.push(event.delay));
      let calls = 0;
      const result = observe(
        policy.execute(() => (++calls < 4 ? Promise.reject(new Error('x')) : calls)),
      );
      await clock.advance(0);
      await flush();
      // read before anything waits: a delay of 100 fails here instead of hanging the test
      expect(delays).toEqual([0, 0, 0]);
      expect(result).toEqual({ state: 'fulfilled', value: 4 });
    }
    expect(new DecorrelatedJitterBackoff({ base: 0 }).base).toBe(0);
  });

  // 0 is the default maxWait too, and no method changes it after construction, so a
  // `given || default` cannot lose it. What can is a limiter that reads 0 as "no limit"
  // (`maxWait || Infinity`, the other face of the same slip): the call would then wait for
  // its token. Read without advancing the clock, so such a limiter fails here, not by a hang.
  it('honours a rate limiter maxWait of 0 as "never wait": refuses at once, with no timer', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 1, interval: 1_000, maxWait: 0, clock });
    expect(limiter.maxWait).toBe(0);
    await limiter.execute(() => 'first');
    const second = observe(limiter.execute(() => 'second'));
    await flush();
    expect(second.state).toBe('rejected');
    expect(RateLimitedError.isInstance(second.value)).toBe(true);
    expect((second.value as RateLimitedError).retryAfter).toBe(1_000);
    expect(limiter.waiting).toBe(0);
    expect(clock.pending).toBe(0);
    // the same call with room to wait takes its token when it comes: 0 is what refused above
    const patient = new RateLimiter({ rate: 1, interval: 1_000, maxWait: 1_000, clock });
    await patient.execute(() => 'first');
    const waited = observe(patient.execute(() => 'second'));
    await flush();
    expect(waited.state).toBe('pending');
    await clock.advance(1_000);
    expect(waited).toEqual({ state: 'fulfilled', value: 'second' });
    // and a 0 given later, where `given || current` would keep the 1000 ms wait
    patient.reconfigure({ maxWait: 0 });
    expect(patient.maxWait).toBe(0);
    await clock.advance(1_000);
    await patient.execute(() => 'third');
    const refused = observe(patient.execute(() => 'fourth'));
    await flush();
    expect(refused.state).toBe('rejected');
    expect(clock.pending).toBe(0);
  });

  it('rejects 0 where 0 makes no sense, naming the option, rather than using the default', () => {
    expect(() => new Timeout({ timeout: 0 })).toThrow(RangeError);
    expect(() => new Timeout({ timeout: 0 })).toThrow(/`timeout`/);
    expect(() => new CircuitBreaker({ openDuration: 0 })).toThrow(/`openDuration`/);
    expect(() => new Retry({ attempts: 0 })).toThrow(/`attempts`/);
    expect(() => new Pool({ concurrency: 0 })).toThrow(/`concurrency`/);
  });
});

describe('peer bug: a size bound written with `^` (XOR: 2 ^ 31 === 29)', () => {
  it('bounds durations at 2 ** 31 - 1 ms, not at 29', () => {
    expect(MAX_DURATION).toBe(2_147_483_647);
    expect(DEFAULT_CIRCUIT_BREAKER_OPTIONS.maxOpenDuration).toBe(2_147_483_647);
    expect(new Timeout({ timeout: 30 }).timeout).toBe(30);
    expect(new Timeout({ timeout: 2 ** 31 - 1 }).timeout).toBe(2 ** 31 - 1);
    expect(() => new Timeout({ timeout: 2 ** 31 })).toThrow(RangeError);
    expect(new Pool({ concurrency: 2 ** 31 - 1 }).concurrency).toBe(2 ** 31 - 1);
    expect(() => new Pool({ concurrency: 2 ** 31 })).toThrow(RangeError);
  });

  it('keeps a memory store at exactly maxEntries, evicting the least recently used', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ maxEntries: 40 });
    const cache = new Cache<number>({ store, clock, refresh: false });
    for (let i = 0; i < 100; i++) await cache.get(`k${i}`, () => i);
    expect(store.size).toBe(40);
    expect(await cache.peek('k59')).toBeUndefined();
    expect(await cache.peek('k60')).toBe(60);
    cache.dispose();
  });
});
