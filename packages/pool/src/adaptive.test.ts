import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { listenerReports, ManualClock } from '@dyno/core/testing';
import { DEFAULT_AIMD_LIMIT, DEFAULT_GRADIENT_LIMIT } from './adaptive.js';
import type { PoolLimitEvent } from './events.js';
import { Pool } from './pool.js';
import { deferred } from './test-support/deferred.js';

/**
 * A closed-loop load on the manual clock: `workers` callers each run one call after another
 * through `pool`; a call takes `latency()` ms, read when it starts (so the dependency can slow
 * down with its own concurrency). Returns a function that stops the load.
 */
function load(pool: Pool, clock: ManualClock, workers: number, latency: () => number) {
  let stopped = false;
  const call = () => new Promise<void>((resolve) => clock.setTimeout(resolve, latency()));
  const worker = async () => {
    while (!stopped) await pool.execute(call).catch(() => undefined);
  };
  for (let i = 0; i < workers; i++) void worker();
  return () => {
    stopped = true;
  };
}

/** Runs the clock for `ms` and records every limit seen on the way. */
function watch(pool: Pool) {
  const seen: number[] = [];
  pool.onLimitChange(({ limit }) => seen.push(limit));
  return seen;
}

describe('Pool with an adaptive limit (gradient)', () => {
  it('grows while calls stay fast, falls when they slow down, grows back when they recover', async () => {
    const clock = new ManualClock();
    const pool = new Pool({
      concurrency: { algorithm: 'gradient', initial: 10, min: 4, max: 40 },
      queue: Number.POSITIVE_INFINITY,
      clock,
    });
    const seen = watch(pool);
    // the dependency serves `capacity` calls at once in 10 ms; more share it and take longer
    let capacity = 100;
    const stop = load(pool, clock, 60, () => 10 * Math.max(1, pool.active / capacity));

    await clock.advance(1000);
    expect(pool.limit).toBe(40);
    expect(pool.active).toBe(40);

    capacity = 8; // the dependency degrades: latency rises with the load on it
    await clock.advance(300);
    expect(pool.limit).toBeLessThan(20);
    await clock.advance(2000);
    expect(pool.limit).toBeLessThanOrEqual(16);
    expect(pool.concurrency).toBe(pool.limit);

    capacity = 100; // and recovers
    await clock.advance(1000);
    expect(pool.limit).toBe(40);

    expect(Math.min(...seen)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...seen)).toBeLessThanOrEqual(40);
    stop();
    await clock.advance(100);
  });

  it('finds the concurrency a dependency serves without queuing, and never leaves [min, max]', async () => {
    const clock = new ManualClock();
    const pool = new Pool({
      concurrency: { algorithm: 'gradient', initial: 30, min: 2, max: 100 },
      queue: Number.POSITIVE_INFINITY,
      clock,
    });
    const seen = watch(pool);
    // serves 8 at once in 20 ms; more than 8 share it (latency grows with concurrency)
    const stop = load(pool, clock, 200, () => 20 * Math.max(1, pool.active / 8));
    await clock.advance(5000);
    // at most the headroom (queueSize 4, and a little drift of the long-term average) above 8
    expect(pool.limit).toBeGreaterThanOrEqual(8);
    expect(pool.limit).toBeLessThanOrEqual(16);
    expect(seen.every((limit) => limit >= 2 && limit <= 100)).toBe(true);
    stop();
    await clock.advance(1000);
  });

  it('does not move the limit while less than half of it is used', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: { algorithm: 'gradient', initial: 20 }, clock });
    const seen = watch(pool);
    const stop = load(pool, clock, 5, () => (clock.now() < 500 ? 10 : 200));
    await clock.advance(2000);
    expect(pool.limit).toBe(20);
    expect(seen).toEqual([]);
    stop();
    await clock.advance(300);
  });

  it('takes a timeout as a slow sample, and ignores failures and cancelled calls', async () => {
    const clock = new ManualClock();
    // no headroom, so the limit can fall to 1 (with `queueSize` q it stays above 2q)
    const concurrency = {
      algorithm: 'gradient',
      initial: 2,
      min: 1,
      max: 2,
      queueSize: 0,
    } as const;
    const pool = new Pool({ concurrency, timeout: 100, clock });
    const changes: PoolLimitEvent[] = [];
    pool.onLimitChange((event) => changes.push(event));
    // warm the long-term average up with fast calls: 2 at once keeps the limit at 2 (max)
    for (let i = 0; i < 10; i++) {
      const a = pool.execute(() => new Promise((r) => clock.setTimeout(() => r(1), 1)));
      const b = pool.execute(() => new Promise((r) => clock.setTimeout(() => r(1), 1)));
      await clock.advance(1);
      await Promise.all([a, b]);
    }
    expect(pool.limit).toBe(2);
    // failures and cancelled calls are not samples: slow ones leave the limit alone
    const slowFailure = () =>
      new Promise((_, reject) => clock.setTimeout(() => reject(new Error('x')), 90));
    const failures = [pool.execute(slowFailure), pool.execute(slowFailure)];
    await clock.advance(90);
    await Promise.allSettled(failures);
    expect(pool.limit).toBe(2);
    // two calls that hang until the deadline: each timeout is a 100 ms sample against ~1 ms
    const hung = deferred();
    const timeouts = [pool.execute(() => hung.promise), pool.execute(() => hung.promise)];
    await clock.advance(100);
    await expect(Promise.all(timeouts)).rejects.toThrow('timed out');
    hung.resolve();
    await clock.advance(200);
    expect(pool.limit).toBe(1);
    expect(changes).toEqual([{ name: pool.name, limit: 1, previous: 2 }]);
  });
});

describe('Pool with an adaptive limit and a clock that misreads', () => {
  /** A manual clock whose reading is shifted by `offset` (NaN: it reads NaN). */
  function shiftedClock() {
    const base = new ManualClock(1_000_000);
    const clock = {
      offset: 0,
      base,
      now: () => base.now() + clock.offset,
      setTimeout: (callback: () => void, ms: number) => base.setTimeout(callback, ms),
      clearTimeout: (handle: unknown) => base.clearTimeout(handle),
    };
    return clock;
  }

  /** Runs `count` calls of `latency` ms through `pool` and waits for all of them. */
  async function round(
    pool: Pool,
    clock: ReturnType<typeof shiftedClock>,
    count: number,
    latency: number,
  ) {
    const call = () => new Promise((r) => clock.base.setTimeout(() => r(1), latency));
    const calls = Array.from({ length: count }, () => pool.execute(call));
    let done = false;
    void Promise.all(calls).then(() => {
      done = true;
    });
    while (!done) await clock.base.advance(latency);
  }

  it('does not stall on a latency read as NaN', async () => {
    const clock = shiftedClock();
    const concurrency = { algorithm: 'gradient', initial: 4 } as const;
    const pool = new Pool({ concurrency, queue: 100, clock });
    await round(pool, clock, 4, 10);
    const reports = await listenerReports(async () => {
      clock.offset = Number.NaN;
      const calls = Array.from({ length: 4 }, () => pool.execute(() => 1));
      await Promise.all(calls);
      clock.offset = 0;
    });
    expect(reports.map((r) => r.source)).toEqual([`@dyno/pool ${JSON.stringify(pool.name)} clock`]);
    expect(Number.isInteger(pool.limit)).toBe(true);
    const next = deferred();
    void pool.execute(() => next.promise);
    expect(pool.active).toBe(1);
    next.resolve();
  });

  it('still falls when calls slow down, and grows back, after the clock went back', async () => {
    const clock = shiftedClock();
    const concurrency = { algorithm: 'gradient', initial: 20, queueSize: 2 } as const;
    const pool = new Pool({ concurrency, queue: 1000, clock });
    for (let i = 0; i < 20; i++) await round(pool, clock, 40, 10);
    const before = pool.limit;
    // back by a quarter of an hour, while calls run
    const running = round(pool, clock, 40, 10);
    clock.offset = -900_000;
    await running;
    for (let i = 0; i < 5; i++) await round(pool, clock, 40, 50);
    const slowed = pool.limit;
    expect(slowed).toBeLessThan(before / 2);
    for (let i = 0; i < 5; i++) await round(pool, clock, 40, 10);
    expect(pool.limit).toBeGreaterThan(slowed + 5);
  });
});

describe('Pool with an adaptive limit (aimd)', () => {
  it('backs off by its ratio on each timeout and adds one per call while used', async () => {
    const clock = new ManualClock();
    const concurrency = { algorithm: 'aimd', initial: 10, min: 2, max: 12, backoff: 0.5 } as const;
    const pool = new Pool({ concurrency, queue: Number.POSITIVE_INFINITY, timeout: 50, clock });
    const seen = watch(pool);
    let latency = 10;
    const stop = load(pool, clock, 30, () => latency);
    await clock.advance(100);
    expect(pool.limit).toBe(12);

    latency = 1000; // every call now times out at 50 ms
    await clock.advance(400);
    expect(pool.limit).toBe(2);

    latency = 10;
    await clock.advance(1000);
    expect(pool.limit).toBe(12);
    expect(Math.min(...seen)).toBe(2);
    expect(Math.max(...seen)).toBe(12);
    stop();
    await clock.advance(3000);
    expect(pool.active).toBe(0);
  });

  it('counts a call slower than slowCall as a drop', async () => {
    const clock = new ManualClock();
    const concurrency = { algorithm: 'aimd', initial: 10, slowCall: 30 } as const;
    const pool = new Pool({ concurrency, queue: Number.POSITIVE_INFINITY, clock });
    const stop = load(pool, clock, 20, () => 40);
    await clock.advance(400);
    expect(pool.limit).toBe(1);
    stop();
    await clock.advance(100);
  });

  it('grows only while at least half of the limit is in use', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: { algorithm: 'aimd', initial: 10 }, clock });
    const stop = load(pool, clock, 4, () => 10);
    await clock.advance(200);
    expect(pool.limit).toBe(10);
    stop();
    await clock.advance(20);
  });
});

describe('Pool adaptive configuration', () => {
  it('fills the defaults, keeps initial within [min, max], and shows them frozen', () => {
    const pool = new Pool({ concurrency: { algorithm: 'gradient' } });
    expect(pool.adaptive).toEqual({ ...DEFAULT_GRADIENT_LIMIT, initial: 10 });
    expect(Object.isFrozen(pool.adaptive)).toBe(true);
    expect(pool.limit).toBe(10);
    expect(new Pool({ concurrency: { algorithm: 'aimd', min: 20 } }).limit).toBe(20);
    expect(new Pool({ concurrency: { algorithm: 'aimd', max: 4 } }).limit).toBe(4);
    expect(new Pool({ concurrency: { algorithm: 'aimd' } }).adaptive).toEqual({
      ...DEFAULT_AIMD_LIMIT,
      initial: 10,
    });
    expect(new Pool({ concurrency: 3 }).adaptive).toBeUndefined();
  });

  it.each([
    [
      { algorithm: 'vegas' },
      RangeError,
      '`concurrency.algorithm` must be one of "aimd", "gradient"',
    ],
    [{}, TypeError, '`concurrency.algorithm` must be one of'],
    [{ algorithm: 'aimd', smoothing: 0.5 }, TypeError, 'unknown option `concurrency.smoothing`'],
    [{ algorithm: 'gradient', backoff: 0.5 }, TypeError, 'unknown option `concurrency.backoff`'],
    [{ algorithm: 'aimd', min: 0 }, RangeError, '`concurrency.min` must be an integer from 1'],
    [{ algorithm: 'aimd', max: 1.5 }, RangeError, '`concurrency.max` must be an integer'],
    [{ algorithm: 'aimd', min: 5, max: 4 }, RangeError, '`concurrency.max` must be at least'],
    [{ algorithm: 'aimd', initial: 30, max: 20 }, RangeError, '`concurrency.initial`'],
    [{ algorithm: 'aimd', backoff: 1 }, RangeError, 'greater than 0 and less than 1; received 1'],
    [{ algorithm: 'aimd', backoff: '0.5' }, TypeError, '`concurrency.backoff`'],
    [{ algorithm: 'aimd', slowCall: 0 }, RangeError, '`concurrency.slowCall`'],
    [{ algorithm: 'gradient', smoothing: 0 }, RangeError, '`concurrency.smoothing`'],
    [{ algorithm: 'gradient', smoothing: Number.NaN }, RangeError, '`concurrency.smoothing`'],
    [{ algorithm: 'gradient', window: 0 }, RangeError, '`concurrency.window`'],
    [{ algorithm: 'gradient', queueSize: -1 }, RangeError, '`concurrency.queueSize`'],
    [{ algorithm: 'gradient', queueSize: null }, TypeError, '`concurrency.queueSize`'],
  ])('rejects %p with a clear error', (concurrency, kind, message) => {
    const make = () => new Pool({ concurrency: concurrency as never });
    expect(make).toThrow(kind);
    expect(make).toThrow(`@dyno/pool: `);
    expect(make).toThrow(message);
  });

  it('rejects a concurrency that is neither a count nor an object', () => {
    expect(() => new Pool({ concurrency: '5' as never })).toThrow(TypeError);
    expect(() => new Pool({ concurrency: [] as never })).toThrow(TypeError);
    expect(() => new Pool({ concurrency: 0 })).toThrow(RangeError);
  });

  it('resize switches between a fixed and an adaptive limit, validated, with onLimitChange', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 2, queue: 10, clock });
    const changes: PoolLimitEvent[] = [];
    pool.onLimitChange((event) => changes.push(event));
    const gates = [deferred(), deferred(), deferred()];
    const calls = gates.map((gate) => pool.execute(() => gate.promise));
    expect(pool.active).toBe(2);
    pool.resize({ concurrency: { algorithm: 'aimd', initial: 3 } });
    expect(pool.active).toBe(3);
    expect(pool.adaptive?.algorithm).toBe('aimd');
    expect(changes).toEqual([{ name: pool.name, limit: 3, previous: 2 }]);
    expect(() => pool.resize({ concurrency: { algorithm: 'aimd', min: 0 } })).toThrow(RangeError);
    expect(pool.adaptive?.algorithm).toBe('aimd');
    pool.resize({ concurrency: 3 });
    expect(pool.adaptive).toBeUndefined();
    expect(changes).toHaveLength(1);
    for (const gate of gates) gate.resolve();
    await Promise.all(calls);
  });

  it('a throwing onLimitChange listener is reported and breaks nothing', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, clock });
    pool.onLimitChange(() => {
      throw new Error('listener');
    });
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      pool.resize({ concurrency: 2 });
      expect(pool.limit).toBe(2);
      expect(reported.map((event) => (event.error as Error).message)).toEqual(['listener']);
    } finally {
      subscription.dispose();
    }
  });
});
