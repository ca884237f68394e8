import { DisposedError } from '@dyno/core';
import { flushPromises, ManualClock } from '@dyno/core/testing';
import { RateLimitedError } from './errors.js';
import { Pool } from './pool.js';
import { RateLimiter } from './rate-limiter.js';
import { deferred, track } from './test-support/deferred.js';
import { Timeout } from './timeout.js';

// Issue 18, item 6: configuration is read-only, or changed through a validated method.

/** Assigns in strict code (this module is strict): a getter without a setter throws. */
function assign(target: object, key: string, value: unknown): unknown {
  try {
    (target as Record<string, unknown>)[key] = value;
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('read-only configuration', () => {
  it.each([
    ['Pool', () => new Pool({ concurrency: 1 }), ['concurrency', 'queue', 'maxWait', 'timeout']],
    ['Pool', () => new Pool(), ['abandonAfter', 'maxAbandoned', 'name']],
    ['Timeout', () => new Timeout(), ['timeout', 'name']],
    ['RateLimiter', () => new RateLimiter(), ['rate', 'interval', 'burst', 'maxWait', 'name']],
  ])('%s refuses assignment to %p', (_, make, keys) => {
    const policy = make();
    for (const key of keys as string[]) {
      const before = (policy as unknown as Record<string, unknown>)[key];
      expect(assign(policy, key, 5)).toBeInstanceOf(TypeError);
      expect((policy as unknown as Record<string, unknown>)[key]).toBe(before);
    }
  });

  it('keeps a concurrency-1 pool at one call after `pool.concurrency = 5`', async () => {
    const pool = new Pool({ concurrency: 1 });
    assign(pool, 'concurrency', 5);
    const gate = deferred();
    const first = pool.execute(() => gate.promise);
    await expect(pool.execute(() => 'second')).rejects.toMatchObject({ reason: 'queue-full' });
    gate.resolve();
    await first;
  });
});

describe('Pool.resize', () => {
  it('starts queued calls at once when it grows', async () => {
    const pool = new Pool({ concurrency: 1, queue: 5 });
    const gates = [deferred(), deferred(), deferred()];
    const calls = gates.map((g) => track(pool.execute(() => g.promise)));
    expect([pool.active, pool.queued]).toEqual([1, 2]);
    pool.resize({ concurrency: 3 });
    expect([pool.concurrency, pool.active, pool.queued]).toEqual([3, 3, 0]);
    for (const g of gates) g.resolve();
    await flushPromises();
    expect(calls.every((c) => c.state === 'fulfilled')).toBe(true);
  });

  it('lets running calls finish when it shrinks, and starts none until below the new limit', async () => {
    const pool = new Pool({ concurrency: 3, queue: 5 });
    const gates = [deferred(), deferred(), deferred()];
    for (const g of gates) pool.execute(() => g.promise);
    const queued = track(pool.execute(() => 'queued'));
    pool.resize({ concurrency: 1 });
    expect([pool.active, pool.queued]).toEqual([3, 1]);
    gates[0]?.resolve();
    gates[1]?.resolve();
    await flushPromises();
    expect([pool.active, queued.state]).toEqual([1, 'pending']);
    gates[2]?.resolve();
    await flushPromises();
    expect(queued).toMatchObject({ state: 'fulfilled', value: 'queued' });
  });

  it('keeps calls already queued when the queue shrinks, and turns new ones away', async () => {
    const pool = new Pool({ concurrency: 1, queue: 3 });
    const gate = deferred();
    const running = pool.execute(() => gate.promise);
    const queued = [track(pool.execute(() => 1)), track(pool.execute(() => 2))];
    pool.resize({ queue: 1 });
    expect([pool.queue, pool.queued]).toEqual([1, 2]);
    await expect(pool.execute(() => 3)).rejects.toMatchObject({ reason: 'queue-full' });
    gate.resolve();
    await running;
    await flushPromises();
    expect(queued.map((q) => q.value)).toEqual([1, 2]);
    pool.resize({ queue: Infinity });
    expect(pool.queue).toBe(Infinity);
  });

  it.each([
    [{ concurrency: 0 }, RangeError, 'option `concurrency` must be an integer from 1 to'],
    [{ concurrency: '5' }, TypeError, 'received "5"'],
    [{ queue: -1 }, RangeError, 'received -1'],
    [{ queue: null }, TypeError, 'received null'],
    [{ timeout: 5 }, TypeError, 'unknown option `timeout` (known: concurrency, queue)'],
    [5, TypeError, 'options must be an object'],
  ])('rejects %p and changes nothing', (size, kind, message) => {
    const pool = new Pool({ concurrency: 2, queue: 2 });
    expect(() => pool.resize(size as never)).toThrow(kind);
    expect(() => pool.resize(size as never)).toThrow(message);
    expect([pool.concurrency, pool.queue]).toEqual([2, 2]);
  });

  it('throws DisposedError after dispose', () => {
    const pool = new Pool();
    pool.dispose();
    expect(() => pool.resize({ concurrency: 2 })).toThrow(DisposedError);
  });
});

describe('RateLimiter.reconfigure', () => {
  it('refills at the old rate up to now, then serves at the new one', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 1, interval: 1000, clock });
    expect(limiter.tryAcquire()).toBe(true);
    await clock.advance(500);
    limiter.reconfigure({ rate: 10 });
    // half a token at the old rate, then a token every 100 ms, up to a burst following rate
    expect([limiter.rate, limiter.burst, limiter.available]).toEqual([10, 10, 0]);
    await clock.advance(50);
    expect(limiter.available).toBe(1);
    await clock.advance(2000);
    expect(limiter.available).toBe(10);
  });

  it('keeps a burst that was given, clamps the tokens to a smaller one, and sets maxWait', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 5, burst: 5, clock });
    limiter.reconfigure({ rate: 50 });
    expect(limiter.burst).toBe(5);
    limiter.reconfigure({ burst: 2, interval: 500, maxWait: 100 });
    expect([limiter.available, limiter.interval, limiter.maxWait]).toEqual([2, 500, 100]);
    limiter.tryAcquire();
    limiter.tryAcquire();
    // 50 per 500 ms: a token every 10 ms, within maxWait
    const waited = track(limiter.acquire());
    await clock.advance(10);
    expect(waited.state).toBe('fulfilled');
  });

  it.each([
    [{ rate: 0 }, RangeError, 'option `rate` must be a finite number greater than 0'],
    [{ rate: '5' }, TypeError, 'received "5"'],
    [{ burst: 1.5 }, RangeError, 'received 1.5'],
    [{ maxWait: null }, TypeError, 'received null'],
    [{ name: 'x' }, TypeError, 'unknown option `name` (known: rate, interval, burst, maxWait)'],
  ])('rejects %p and changes nothing', (settings, kind, message) => {
    const limiter = new RateLimiter({ rate: 3, clock: new ManualClock() });
    expect(() => limiter.reconfigure(settings as never)).toThrow(kind);
    expect(() => limiter.reconfigure(settings as never)).toThrow(message);
    expect([limiter.rate, limiter.burst]).toEqual([3, 3]);
  });

  it('rejects at once a caller whose wait the new rate makes too long', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 10, maxWait: 200, clock });
    for (let i = 0; i < 10; i++) limiter.tryAcquire();
    limiter.reconfigure({ rate: 1 });
    await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimitedError);
  });
});
