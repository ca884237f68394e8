import { CircuitBreaker, DEFAULT_CIRCUIT_BREAKER_OPTIONS } from '@dyno/breaker';
import { Cache, MemoryStore } from '@dyno/cache';
import { MAX_DURATION } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Pool, PoolFullError, RateLimitedError, RateLimiter, Timeout } from '@dyno/pool';
import { ConstantBackoff, DecorrelatedJitterBackoff, Retry } from '@dyno/retry';

// The peers' option-handling bugs, one regression test each (see docs/reliability.md).

describe('peer bug: options set to 0 silently replaced by defaults (opossum#824)', () => {
  it('honours queue: 0 as "reject at once", not the default', async () => {
    const pool = new Pool({ concurrency: 1, queue: 0 });
    expect(pool.queue).toBe(0);
    let release!: () => void;
    const first = pool.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const second = pool.execute(() => 'x');
    expect(PoolFullError.isInstance(await second.catch((e: unknown) => e))).toBe(true);
    release();
    await first;
  });

  it('honours maxDelay: 0 and a constant delay of 0: retries wait 0 ms, not 100', async () => {
    const clock = new ManualClock();
    for (const options of [{ maxDelay: 0 }, { backoff: new ConstantBackoff({ delay: 0 }) }]) {
      const policy = new Retry({ attempts: 4, clock, ...options });
      const delays: number[] = [];
      policy.onRetry((event) => delays.push(event.delay));
      let calls = 0;
      const result = policy.execute(() => (++calls < 4 ? Promise.reject(new Error('x')) : calls));
      await clock.advance(0);
      await expect(result).resolves.toBe(4);
      expect(delays).toEqual([0, 0, 0]);
    }
    expect(new DecorrelatedJitterBackoff({ base: 0 }).base).toBe(0);
  });

  it('honours a rate limiter maxWait of 0 as "never wait"', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 1, interval: 1_000, maxWait: 0, clock });
    await limiter.execute(() => 'first');
    const second = await limiter.execute(() => 'second').catch((e: unknown) => e);
    expect(RateLimitedError.isInstance(second)).toBe(true);
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
