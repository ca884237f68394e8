import { flushPromises, ManualClock } from '@dyno/core/testing';
import { RateLimitedError } from '@dyno/pool';
import { redisForTests, type TestRedis, uniquePrefix, watchCommands } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import type { RateDecisionEvent } from './events.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

let server: TestRedis;
let client: Redis;
const prefix = uniquePrefix('limiter');
let n = 0;
// a fresh key space per test, so tests never share a bucket; these tests are about Redis's
// decisions, and a loaded machine can take longer than the default 250 ms `timeout` to bring one
// (the limiter would then decide locally), so they wait for Redis longer
const TIMEOUT = 5_000;
const make = (options: Partial<ConstructorParameters<typeof RedisRateLimiter>[0]> = {}) =>
  new RedisRateLimiter({ client, prefix: `${prefix}${++n}:`, timeout: TIMEOUT, ...options });

beforeAll(async () => {
  server = await redisForTests();
  client = new Redis(server.url);
});

afterAll(async () => {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
  await server.stop();
});

/** Resolves once `limiter` has made `count` decisions (counted from now) and their waits began. */
function decisions(limiter: RedisRateLimiter): (count: number) => Promise<void> {
  let made = 0;
  limiter.onDecision(() => made++);
  return async (count) => {
    while (made < count) await flushPromises();
    await flushPromises();
  };
}

/**
 * Two limiters on one key, each on a client of its own (the second stands for another process),
 * at one turn every 10 s, so Redis's own clock moves nothing while a test runs. The caller quits
 * `other`.
 */
function slowPair() {
  const clock = new ManualClock();
  const options = { rate: 1, interval: 10_000, burst: 1, maxWait: 60_000, clock };
  const limiter = make(options);
  const other = new Redis(server.url);
  const fleet = new RedisRateLimiter({
    client: other,
    prefix: `${prefix}${n}:`,
    timeout: TIMEOUT,
    ...options,
  });
  return {
    clock,
    limiter,
    fleet,
    other,
    decided: decisions(limiter),
    decidedThere: decisions(fleet),
  };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('admitted');
    },
    (error: unknown) => error as RateLimitedError,
  );

describe('RedisRateLimiter on a real Redis', () => {
  it('admits a burst, then refuses with RateLimitedError and the time until the next turn', async () => {
    const limiter = make({ rate: 10, interval: 1000, burst: 3, name: 'api' });
    const began = performance.now();
    await limiter.acquire();
    await limiter.acquire();
    await limiter.acquire();
    const error = await refusal(limiter.acquire());
    const elapsed = performance.now() - began;
    expect(RateLimitedError.isInstance(error)).toBe(true);
    expect(error.source).toBe('api');
    // one turn every 100 ms, less what has passed since the burst began on Redis's clock: no
    // more than passed on ours around the four calls (a loaded machine takes tens of ms)
    expect(error.retryAfter).toBeGreaterThan(0);
    expect(error.retryAfter).toBeGreaterThanOrEqual(100 - elapsed - 1);
    expect(error.retryAfter).toBeLessThanOrEqual(100);
  });

  it('admits at a rate so high that one turn is finer than a millisecond (regression)', async () => {
    // the key's expiry was ceil(0) = 0 ms, which Redis refuses: every decision failed
    const limiter = make({ rate: 1e9, whenUnavailable: 'refuse' });
    await limiter.acquire();
    await limiter.acquire();
  });

  it('limits each key on its own', async () => {
    const limiter = make({ rate: 1, burst: 1 });
    await limiter.acquire({ key: 'tenant:a' });
    await limiter.acquire({ key: 'tenant:b' });
    await expect(limiter.acquire({ key: 'tenant:a' })).rejects.toThrow(RateLimitedError);
    await limiter.acquire(); // the default key is a key of its own
    await expect(limiter.acquire({ key: 'default' })).rejects.toThrow(RateLimitedError);
  });

  it('shares one limit between limiters (processes) on the same prefix', async () => {
    const first = make({ rate: 1, burst: 2 });
    const second = new RedisRateLimiter({
      client,
      prefix: `${prefix}${n}:`,
      rate: 1,
      burst: 2,
      timeout: TIMEOUT,
    });
    await first.acquire({ key: 'k' });
    await second.acquire({ key: 'k' });
    await expect(first.acquire({ key: 'k' })).rejects.toThrow(RateLimitedError);
    await expect(second.acquire({ key: 'k' })).rejects.toThrow(RateLimitedError);
  });

  it('decides on Redis time: the process clock jumping ahead admits nothing more', async () => {
    const clock = new ManualClock();
    const limiter = make({ rate: 1, burst: 1, clock });
    await limiter.acquire();
    clock.set(3_600_000);
    await expect(limiter.acquire()).rejects.toThrow(RateLimitedError);
  });

  it('stores the next turn with an expiry, so an idle key leaves Redis', async () => {
    const limiter = make({ rate: 10, burst: 1 });
    await limiter.acquire({ key: 'idle' });
    const ttl = await client.pttl(`${prefix}${n}:idle`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
  });

  it('lets a call wait its turn within maxWait, timed on the process clock', async () => {
    const clock = new ManualClock();
    const limiter = make({ rate: 10, burst: 1, maxWait: 1000, clock });
    const decided = decisions(limiter);
    await limiter.acquire();
    let admitted = false;
    const waiting = limiter.acquire().then(() => {
      admitted = true;
    });
    await decided(2);
    expect(clock.pending).toBe(1);
    expect(clock.nextDue).toBeGreaterThan(50);
    expect(clock.nextDue).toBeLessThanOrEqual(100);
    expect(admitted).toBe(false);
    await clock.advance(100);
    await waiting;
    expect(admitted).toBe(true);
    // the wait for a turn beyond maxWait is refused at once
    const far = make({ rate: 1, burst: 1, maxWait: 500, clock });
    await far.acquire();
    await expect(far.acquire()).rejects.toThrow(RateLimitedError);
  });

  it('gives back the turn of a caller that aborts while waiting', async () => {
    const clock = new ManualClock();
    const limiter = make({ rate: 10, burst: 1, maxWait: 1000, clock });
    const decided = decisions(limiter);
    const scripts = watchCommands(client);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    await decided(2);
    const reason = new Error('caller gone');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await scripts.idle(); // the refund runs in the background: until Redis answered it
    scripts.restore();
    const events: RateDecisionEvent[] = [];
    limiter.onDecision((e) => events.push(e));
    const next = limiter.acquire();
    await decided(3);
    // one turn (100 ms) away, not two: the aborted caller's turn came back
    expect(clock.nextDue).toBeLessThanOrEqual(100);
    await clock.advance(100);
    await next;
    expect(events.at(-1)).toMatchObject({ admitted: true, source: 'redis', key: 'default' });
  });

  it('does not give back a turn when a later caller took one after it', async () => {
    const clock = new ManualClock();
    const limiter = make({ rate: 10, burst: 1, maxWait: 1000, clock });
    const decided = decisions(limiter);
    const scripts = watchCommands(client);
    await limiter.acquire();
    const controller = new AbortController();
    const first = limiter.acquire({ signal: controller.signal });
    await decided(2);
    const second = limiter.acquire();
    await decided(3);
    expect(clock.pending).toBe(2);
    const before = await client.get(`${prefix}${n}:default`);
    controller.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    // a refund that matched would move the key back: once Redis answered it, it did not
    await scripts.idle();
    scripts.restore();
    expect(await client.get(`${prefix}${n}:default`)).toBe(before);
    await clock.advance(200);
    await second;
  });

  it('gives a newcomer the turn a caller gave up ahead of others, in any process', async () => {
    const { clock, limiter, fleet, other, decided, decidedThere } = slowPair();
    const scripts = watchCommands(client);
    try {
      await limiter.acquire();
      const controller = new AbortController();
      const early = limiter.acquire({ signal: controller.signal }); // 10 s away
      await decided(2);
      const behind = limiter.acquire(); // 20 s away
      await decided(3);
      controller.abort();
      await expect(early).rejects.toMatchObject({ name: 'AbortError' });
      await scripts.idle(); // the refund (kept for the fleet) is in Redis
      scripts.restore();
      const events: RateDecisionEvent[] = [];
      fleet.onDecision((e) => events.push(e));
      const newcomer = fleet.acquire();
      await decidedThere(1);
      // the turn 10 s away, not one 30 s away behind `behind`
      expect(events[0]?.wait).toBeLessThanOrEqual(10_000);
      expect(events[0]?.wait).toBeGreaterThan(9_000);
      await clock.advance(20_000);
      await Promise.all([newcomer, behind]);
    } finally {
      await other.quit();
    }
  });

  it('keeps a turn given up ahead of one that was admitted spent, whoever leaves after it', async () => {
    const clock = new ManualClock();
    // one turn every 10 s, so Redis's own clock moves nothing while the test runs
    const limiter = make({ rate: 1, interval: 10_000, burst: 1, maxWait: 60_000, clock });
    const decided = decisions(limiter);
    const key = `${prefix}${n}:default`;
    const scripts = watchCommands(client);
    await limiter.acquire();
    const controller = new AbortController();
    const first = limiter.acquire({ signal: controller.signal }); // 10 s away
    await decided(2);
    const second = limiter.acquire(); // 20 s away
    await decided(3);
    const admitted = await client.get(key);
    controller.abort();
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await clock.advance(20_000);
    await second;
    // a caller behind `second` leaves: its own turn comes back, not the one given up before
    const last = new AbortController();
    const third = limiter.acquire({ signal: last.signal });
    await decided(4);
    last.abort();
    await expect(third).rejects.toMatchObject({ name: 'AbortError' });
    await scripts.idle(); // both refunds answered
    scripts.restore();
    expect(await client.get(key)).toBe(admitted);
  });

  it('gives back the turns of callers that leave in arrival order, once the last one left, across processes', async () => {
    const { clock, limiter, fleet, other, decided, decidedThere } = slowPair();
    const key = `${prefix}${n}:default`;
    const scripts = [watchCommands(client), watchCommands(other)];
    const refunded = async () => {
      for (const s of scripts) await s.idle();
    };
    try {
      await limiter.acquire();
      const first = await client.get(key);
      // four callers wait their turns (10 to 40 s away), taken in turn here and there
      const controllers = [0, 1, 2, 3].map(() => new AbortController());
      const waiting: Promise<void>[] = [];
      for (const [i, c] of controllers.entries()) {
        waiting.push((i % 2 === 0 ? limiter : fleet).acquire({ signal: c.signal }));
        if (i % 2 === 0) await decided(2 + i / 2);
        else await decidedThere((i + 1) / 2);
      }
      // they time out in arrival order: each but the last had a turn behind it
      for (const controller of controllers) {
        controller.abort();
        await refunded(); // in Redis before the next one leaves
      }
      for (const s of scripts) s.restore();
      for (const call of waiting) await expect(call).rejects.toMatchObject({ name: 'AbortError' });
      expect(await client.get(key)).toBe(first);
      expect(await client.exists(`${key}\u0000given-up`)).toBe(0);
      const next = limiter.acquire();
      await decided(4);
      // one turn (10 s) away, not five
      expect(clock.nextDue).toBeLessThanOrEqual(10_000);
      await clock.advance(10_000);
      await next;
    } finally {
      await other.quit();
    }
  });

  it('replaces a foreign value under its key instead of failing', async () => {
    const limiter = make({ rate: 1, burst: 1 });
    await client.set(`${prefix}${n}:text`, 'not a time');
    await client.hset(`${prefix}${n}:hash`, 'a', '1');
    const errors: unknown[] = [];
    limiter.onRedisError((e) => errors.push(e));
    await limiter.acquire({ key: 'text' });
    await limiter.acquire({ key: 'hash' });
    await expect(limiter.acquire({ key: 'hash' })).rejects.toThrow(RateLimitedError);
    expect(errors).toEqual([]);
  });

  it('loads its script again after Redis forgot it (SCRIPT FLUSH)', async () => {
    const limiter = make({ rate: 100 });
    await limiter.acquire();
    await client.script('FLUSH');
    await limiter.acquire();
    expect(limiter.redisState).toBe('closed');
  });

  it('runs fn with the caller signal once admitted, and passes its outcome through', async () => {
    const limiter = make({ rate: 100 });
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const value = await limiter.execute(
      ({ signal }) => {
        seen.push(signal);
        return 42;
      },
      { signal: controller.signal, key: 'fn' },
    );
    expect(value).toBe(42);
    expect(seen).toEqual([controller.signal]);
    const boom = new Error('boom');
    await expect(
      limiter.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const noSignal = await limiter.execute(({ signal }) => signal.aborted);
    expect(noSignal).toBe(false);
  });

  it('never runs fn when refused', async () => {
    const limiter = make({ rate: 1, burst: 1 });
    const fn = jest.fn(() => 1);
    await limiter.execute(fn);
    await expect(limiter.execute(fn)).rejects.toThrow(RateLimitedError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('emits a decision event for admissions and refusals', async () => {
    const limiter = make({ rate: 1, burst: 1, name: 'events' });
    const events: RateDecisionEvent[] = [];
    limiter.onDecision((e) => events.push(e));
    await limiter.acquire({ key: 'e' });
    await limiter.acquire({ key: 'e' }).catch(() => {});
    expect(events).toEqual([
      { name: 'events', key: 'e', admitted: true, wait: 0, source: 'redis' },
      { name: 'events', key: 'e', admitted: false, wait: expect.any(Number), source: 'redis' },
    ]);
    expect(events[1]?.wait).toBeGreaterThan(900);
  });
});
