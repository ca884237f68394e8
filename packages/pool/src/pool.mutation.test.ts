import { DisposedError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { RateLimitedError } from './errors.js';
import { Pool } from './pool.js';
import { RateLimiter } from './rate-limiter.js';

// Behaviour that mutation testing (docs/reliability.md) showed no other test pinned down.

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => value,
    (error: unknown) => error,
  );

describe('Pool event payloads', () => {
  it('reports how long a call waited in the queue and how its task settled', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 5, clock, name: 'p' });
    const starts: number[] = [];
    const settles: unknown[] = [];
    pool.onStart((event) => starts.push(event.waited));
    pool.onSettle((event) => settles.push({ outcome: event.outcome, duration: event.duration }));
    const slow =
      (ms: number, fails = false) =>
      () =>
        new Promise((resolve, reject) =>
          clock.setTimeout(() => (fails ? reject(new Error('x')) : resolve(ms)), ms),
        );
    const a = pool.execute(slow(30));
    const b = settle(pool.execute(slow(20, true)));
    await clock.advance(50);
    await a;
    await b;
    expect(starts).toEqual([0, 30]);
    expect(settles).toEqual([
      { outcome: 'success', duration: 30 },
      { outcome: 'failure', duration: 20 },
    ]);
  });
});

describe('Pool queue bookkeeping', () => {
  it('clears the max-wait timer when the last queued caller leaves on abort', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, queue: 5, maxWait: 1_000, clock });
    let release!: () => void;
    const running = pool.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const queued = settle(pool.execute(() => 'never', { signal: controller.signal }));
    expect(clock.pending).toBe(1);
    controller.abort(new Error('gone'));
    await queued;
    expect(clock.pending).toBe(0);
    release();
    await running;
  });

  it('disposes through Symbol.dispose and stops emitting to its listeners', async () => {
    const pool = new Pool({ concurrency: 1 });
    const settles = jest.fn();
    pool.onSettle(settles);
    let release!: () => void;
    const running = pool.execute(() => new Promise<void>((resolve) => (release = resolve)));
    pool[Symbol.dispose]();
    await expect(pool.execute(() => 1)).rejects.toBeInstanceOf(DisposedError);
    release();
    await running;
    expect(settles).not.toHaveBeenCalled();
    expect(pool.active).toBe(0);
  });
});

describe('RateLimiter acquire', () => {
  it('resolves at once without a timer when a token is free, and rejects with retryAfter when not', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 1, interval: 1_000, clock });
    await limiter.acquire();
    expect(clock.pending).toBe(0);
    const refused = await limiter.acquire().catch((e: unknown) => e);
    expect(RateLimitedError.isInstance(refused)).toBe(true);
    expect((refused as RateLimitedError).retryAfter).toBe(1_000);
    expect(clock.pending).toBe(0);
  });

  it('hands back the token of a waiter who aborts only when nobody queued behind it', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 1, interval: 1_000, maxWait: 10_000, clock });
    await limiter.acquire(); // t = 0: the bucket is empty now
    const a = new AbortController();
    const first = settle(limiter.acquire({ signal: a.signal })); // its token at 1000
    let secondDone = false;
    const second = limiter.acquire().then(() => (secondDone = true)); // at 2000
    a.abort(new Error('first left'));
    await first;
    // the bucket does not get the token back (`second` was computed behind it), but the next
    // caller takes the first one's time, never the second one's
    let thirdDone = false;
    const third = limiter.acquire().then(() => (thirdDone = true)); // the first one's: 1000
    await clock.advance(1_000);
    await third;
    expect([thirdDone, secondDone]).toEqual([true, false]);
    let fourthDone = false;
    const fourth3000 = limiter.acquire().then(() => (fourthDone = true)); // behind the second: 3000
    await clock.advance(1_000);
    await second;
    expect(fourthDone).toBe(false);
    await clock.advance(1_000);
    await fourth3000;

    // the newest waiter leaving gives its token back: the next caller waits no longer than it would have
    const b = new AbortController();
    const fourth = settle(limiter.acquire({ signal: b.signal })); // 4000
    b.abort(new Error('left'));
    await fourth;
    let fifthDone = false;
    const fifth = limiter.acquire().then(() => (fifthDone = true));
    await clock.advance(1_000);
    await fifth;
    expect(fifthDone).toBe(true);
  });
});
