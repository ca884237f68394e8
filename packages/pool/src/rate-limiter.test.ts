import { NEVER_ABORTED } from '@dyno/core';
import {
  flushPromises,
  listenerReports,
  ManualClock,
  OddClock,
  SteppingClock,
} from '@dyno/core/testing';
import { RateLimitedError } from './errors.js';
import type { RateLimitedEvent } from './events.js';
import { RateLimiter } from './rate-limiter.js';
import { track } from './test-support/deferred.js';

describe('RateLimiter', () => {
  it('defaults to 10 per second, a burst of 10 and no waiting', () => {
    const limiter = new RateLimiter({ clock: new ManualClock() });
    expect([limiter.rate, limiter.interval, limiter.burst, limiter.maxWait]).toEqual([
      10, 1000, 10, 0,
    ]);
    expect(limiter.name).toMatch(/^rate-limiter#\d+$/);
    expect(new RateLimiter({ rate: 0.5 }).burst).toBe(1);
    expect(new RateLimiter({ rate: 2.5 }).burst).toBe(3);
  });

  it('lets a burst through, then rejects with the time until the next token', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 2, interval: 1000, burst: 3, clock, name: 'api' });
    const rejects: RateLimitedEvent[] = [];
    limiter.onReject((e) => rejects.push(e));
    for (let i = 0; i < 3; i++) await expect(limiter.execute(() => i)).resolves.toBe(i);
    expect(limiter.available).toBe(0);
    const refused = limiter.execute(() => 'no');
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toMatchObject({
      code: 'DYNO_RATE_LIMITED',
      source: 'api',
      retryAfter: 500,
      message: '"api" is rate limited; retry after 500 ms',
    });
    expect(rejects).toEqual([{ name: 'api', reason: 'rate-limited', retryAfter: 500 }]);
    clock.set(200);
    await expect(limiter.execute(() => 'no')).rejects.toMatchObject({ retryAfter: 300 });
    clock.set(500);
    await expect(limiter.execute(() => 'yes')).resolves.toBe('yes');
  });

  it('refills lazily from the clock up to the burst, with no timer', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ rate: 3, interval: 1000, burst: 5, clock });
    for (let i = 0; i < 5; i++) expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    clock.set(1000);
    expect(limiter.available).toBe(3);
    clock.set(60_000);
    expect(limiter.available).toBe(5);
    expect(clock.pending).toBe(0);
  });

  it('refills from now when its clock went back, instead of refusing until it caught up', async () => {
    const base = new ManualClock(3_600_000);
    const clock = new SteppingClock(base);
    const limiter = new RateLimiter({ rate: 10, interval: 1000, clock });
    for (let i = 0; i < 10; i++) expect(limiter.tryAcquire()).toBe(true);
    // set back an hour
    clock.stepBack(3_600_000);
    expect(limiter.tryAcquire()).toBe(false);
    base.set(3_600_100);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
  });

  it('counts a NaN reading as no time passed: the bucket is not poisoned and waiters get their token', async () => {
    const clock = new OddClock();
    const limiter = new RateLimiter({ rate: 10, interval: 1000, burst: 1, maxWait: 1000, clock });
    await listenerReports(async () => {
      clock.read = () => Number.NaN;
      const first = track(limiter.execute(() => 1));
      const second = track(limiter.execute(() => 2));
      await clock.advance(100);
      expect([first.state, second.state]).toEqual(['fulfilled', 'fulfilled']);
      expect(limiter.tryAcquire()).toBe(false);
      clock.read = undefined;
      await clock.advance(100);
      expect(limiter.tryAcquire()).toBe(true);
      expect(limiter.tryAcquire()).toBe(false);
    });
  });

  it('passes the caller signal to the task and user errors through', async () => {
    const limiter = new RateLimiter({ clock: new ManualClock() });
    const controller = new AbortController();
    await expect(
      limiter.execute(({ signal }) => signal, { signal: controller.signal }),
    ).resolves.toBe(controller.signal);
    await expect(limiter.execute(({ signal }) => signal)).resolves.toBe(NEVER_ABORTED);
    await expect(
      limiter.execute(() => {
        throw 'text';
      }),
    ).rejects.toBe('text');
    const reason = new Error('stop');
    const fn = jest.fn();
    await expect(limiter.execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(limiter.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  describe('with maxWait', () => {
    it('makes callers wait their turn in arrival order', async () => {
      const clock = new ManualClock();
      const limiter = new RateLimiter({ rate: 1, interval: 100, burst: 1, maxWait: 250, clock });
      const started: [string, number][] = [];
      const run = (id: string) => track(limiter.execute(() => started.push([id, clock.now()])));
      run('a');
      run('b');
      run('c');
      expect(limiter.waiting).toBe(2);
      const d = run('d');
      // d would wait 300 ms, more than maxWait: rejected at once
      await flushPromises();
      expect(d.state).toBe('rejected');
      expect(d.error).toMatchObject({ retryAfter: 300 });
      await clock.runAll();
      expect(started).toEqual([
        ['a', 0],
        ['b', 100],
        ['c', 200],
      ]);
      expect(limiter.waiting).toBe(0);
    });

    it('acquire waits for a token and resolves', async () => {
      const clock = new ManualClock();
      const limiter = new RateLimiter({ rate: 1, interval: 100, burst: 1, maxWait: 100, clock });
      await limiter.acquire();
      const second = track(limiter.acquire());
      await clock.advance(99);
      expect(second.state).toBe('pending');
      await clock.advance(1);
      expect(second.state).toBe('fulfilled');
      const third = track(limiter.acquire());
      expect(clock.pending).toBe(1);
      await clock.runAll();
      expect(third.state).toBe('fulfilled');
      expect(clock.now()).toBe(200);
    });

    it('rejects an aborted waiter with the signal reason and hands its token back', async () => {
      const clock = new ManualClock();
      const limiter = new RateLimiter({ rate: 1, interval: 100, burst: 1, maxWait: 500, clock });
      expect(limiter.tryAcquire()).toBe(true);
      const controller = new AbortController();
      const fn = jest.fn();
      const waiter = track(limiter.execute(fn, { signal: controller.signal }));
      const reason = new Error('left');
      controller.abort(reason);
      await flushPromises();
      expect(waiter).toMatchObject({ state: 'rejected', error: reason });
      expect(fn).not.toHaveBeenCalled();
      expect(limiter.waiting).toBe(0);
      expect(clock.pending).toBe(0);
      clock.set(100);
      expect(limiter.tryAcquire()).toBe(true);
      expect(limiter.tryAcquire()).toBe(false);
    });

    it('keeps its token when someone reserved after it, so no slot is given out twice', async () => {
      // regression: found by the rate property test (seed -578003264)
      const clock = new ManualClock();
      const limiter = new RateLimiter({ rate: 1, interval: 100, burst: 1, maxWait: 600, clock });
      expect(limiter.tryAcquire()).toBe(true); // t=0
      const controller = new AbortController();
      const early = track(limiter.acquire({ signal: controller.signal })); // slot t=100
      const behind = track(limiter.acquire()); // slot t=200
      await clock.advance(1);
      controller.abort('gone');
      const late = track(limiter.acquire()); // must not share t=200 with `behind`
      await clock.advance(199);
      expect(early.state).toBe('rejected');
      expect(behind.state).toBe('fulfilled');
      expect(late.state).toBe('pending');
      await clock.advance(100);
      expect(late.state).toBe('fulfilled');
    });

    it('gives the time of a waiter who left ahead of others to the next caller, so an overload with short deadlines still admits at the rate', async () => {
      // callers come twice as fast as the rate and give up after 1 s, while maxWait lets them
      // take turns up to 5 s away: each turn left behind a later one was lost for good
      const clock = new ManualClock();
      const limiter = new RateLimiter({ rate: 10, interval: 1000, burst: 1, maxWait: 5000, clock });
      const admitted: number[] = [];
      for (let t = 0; t < 5000; t += 50) {
        const controller = new AbortController();
        clock.setTimeout(() => controller.abort(), 1000);
        limiter.acquire({ signal: controller.signal }).then(
          () => admitted.push(clock.now()),
          () => undefined,
        );
        await clock.advance(50);
      }
      await clock.advance(2000);
      // 10 a second from 1 s to 5 s (the rate), never more
      const steady = admitted.filter((t) => t > 1000 && t <= 5000).length;
      expect(steady).toBeGreaterThanOrEqual(39);
      expect(steady).toBeLessThanOrEqual(41);
      expect(limiter.waiting).toBe(0);
    });

    it('hands every token back once the waiters behind the first to leave left too', async () => {
      // waiters that time out leave in arrival order: each but the last had someone behind it
      const clock = new ManualClock();
      const limiter = new RateLimiter({ rate: 1, interval: 100, burst: 1, maxWait: 1000, clock });
      expect(limiter.tryAcquire()).toBe(true); // t=0
      const controllers = [0, 1, 2].map(() => new AbortController());
      const waiters = controllers.map((c) => track(limiter.acquire({ signal: c.signal })));
      await clock.advance(50);
      for (const controller of controllers) controller.abort('gone');
      await flushPromises();
      expect(waiters.map((w) => w.state)).toEqual(['rejected', 'rejected', 'rejected']);
      // nobody holds a turn: the next caller gets the slot at t=100, not at t=300
      const next = track(limiter.acquire());
      await clock.advance(50);
      expect(next.state).toBe('fulfilled');
      expect(limiter.tryAcquire()).toBe(false);
    });
  });
});
