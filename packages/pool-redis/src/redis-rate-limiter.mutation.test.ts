import { deferred, flushPromises, ManualClock, outcome } from '@dyno/core/testing';
import { RateLimitedError } from '@dyno/pool';
import { redisForTests, type TestRedis, uniquePrefix } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import type { RateDecisionEvent } from './events.js';
import { LocalGcra } from './internal/local-gcra.js';
import type { RedisRateLimiterOptions } from './options.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { scriptedLimiter } from './test-support/scripted-limiter.js';

// Behaviour that mutation testing (docs/reliability.md) showed no other test pinned down.

let server: TestRedis;
let redis: Redis;
const prefix = uniquePrefix('mutation');

beforeAll(async () => {
  server = await redisForTests();
  redis = new Redis(server.url);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await server.stop();
});

/** A limiter deciding locally at once, as while ioredis reconnects: one turn every 100 ms. */
function local(options: Partial<RedisRateLimiterOptions> = {}) {
  const s = scriptedLimiter({ rate: 10, burst: 1, ...options });
  s.client.status = 'reconnecting';
  return s;
}

/** What `fn` threw (it must throw). */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('admitted');
    },
    (error: unknown) => error as Error & { cause?: unknown; retryAfter?: number },
  );

describe('the local fallback while Redis is down', () => {
  it('refills to burst after a quiet period, and no further', async () => {
    const { limiter, clock, decisions } = local();
    await limiter.acquire();
    clock.set(1000); // quiet for ten turns
    await limiter.acquire();
    const refused = await rejection(limiter.acquire());
    expect(RateLimitedError.isInstance(refused)).toBe(true);
    expect(refused.retryAfter).toBe(100);
    expect(decisions.map((d) => d.admitted)).toEqual([true, true, false]);
  });

  it('admits a turn exactly maxWait away, waiting for it', async () => {
    const { limiter, clock, decisions } = local({ maxWait: 100 });
    await limiter.acquire();
    const second = limiter.acquire();
    await flushPromises();
    expect(decisions.at(-1)).toMatchObject({ admitted: true, wait: 100, source: 'local' });
    expect(clock.nextDue).toBe(100);
    await clock.advance(100);
    await second;
  });

  it('does not give back a turn when a later caller took one after it', async () => {
    const { limiter, clock, decisions } = local({ maxWait: 1000 });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire({ signal: controller.signal });
    const later = limiter.acquire();
    await flushPromises();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const last = limiter.acquire();
    await flushPromises();
    // the later caller's turn (200 ms) stays taken: the next one is 300 ms away
    expect(decisions.map((d) => d.wait)).toEqual([0, 100, 200, 300]);
    await clock.advance(300);
    await Promise.all([later, last]);
  });
});

// LocalGcra directly: reaching 10,000 keys through the limiter would take 10,000 calls.
describe('LocalGcra memory', () => {
  const PRUNE_AT = 10_000;

  /** A LocalGcra (one turn every 100 ms, burst 1) holding `count` keys whose turn is at 100 ms. */
  function filled(count: number): LocalGcra {
    const gcra = new LocalGcra(100, 1);
    for (let i = 0; i < count; i++) gcra.decide(`old:${i}`, 0, 0);
    return gcra;
  }

  it('forgets the keys whose bucket is full again once a new key finds it holding 10,000', () => {
    const gcra = filled(PRUNE_AT - 1);
    expect(gcra.decide('live', 50, 0)).toBe(0); // its turn is at 150 ms
    gcra.decide('new', 100, 0);
    // at 100 ms the old keys' buckets are full (turn <= now): forgotten
    expect(gcra.tat('old:0')).toBeUndefined();
    expect(gcra.tat(`old:${PRUNE_AT - 2}`)).toBeUndefined();
    // a key still limited is kept, and still refused
    expect(gcra.tat('live')).toBe(150);
    expect(gcra.decide('live', 100, 0)).toBe(-50);
    expect(gcra.tat('new')).toBe(200);
  });

  it('keeps every key while it holds fewer than 10,000', () => {
    const gcra = filled(PRUNE_AT - 1);
    gcra.decide('new', 500, 0);
    expect(gcra.tat('old:0')).toBe(100);
  });

  it('does not prune for a key it already holds, even when full', () => {
    const gcra = filled(PRUNE_AT);
    gcra.decide('old:0', 500, 0);
    expect(gcra.tat('old:1')).toBe(100);
    expect(gcra.tat('old:0')).toBe(600);
  });
});

describe('the Redis guard', () => {
  it('with `circuit: false`, decides a call Redis never answers after `timeout`', async () => {
    const { limiter, clock, decisions } = scriptedLimiter({ circuit: false });
    const call = limiter.acquire();
    await clock.advance(100);
    expect(await outcome(call)).toEqual({ value: undefined });
    expect(decisions.map((d) => d.source)).toEqual(['local']);
    expect(clock.pending).toBe(0);
  });

  it('with `circuit: false`, lets a real Redis decide', async () => {
    const clock = new ManualClock(); // the decision timeout never fires
    const limiter = new RedisRateLimiter({
      client: redis,
      prefix: `${prefix}no-circuit:`,
      circuit: false,
      rate: 1,
      burst: 1,
      clock,
    });
    const decisions: RateDecisionEvent[] = [];
    limiter.onDecision((e) => decisions.push(e));
    const first = limiter.acquire();
    // commands on one connection answer in order: after a PING, the decision has its answer
    // (a second round trip when the script must be loaded first)
    for (let i = 0; i < 5 && (await outcome(first)) === 'pending'; i++) await redis.ping();
    expect(await outcome(first)).toEqual({ value: undefined });
    await expect(limiter.acquire()).rejects.toThrow(RateLimitedError);
    expect(decisions.map((d) => [d.admitted, d.source])).toEqual([
      [true, 'redis'],
      [false, 'redis'],
    ]);
  });

  it('says the client is not connected, with its status', async () => {
    const { limiter, client } = scriptedLimiter({ whenUnavailable: 'refuse' });
    client.status = 'end';
    const error = await rejection(limiter.acquire());
    expect(RedisUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toBe('@dyno/pool-redis: Redis is not connected (end)');
  });

  it('says Redis is skipped while the circuit is open, without asking it', async () => {
    const down = new Error('down');
    const { limiter, client } = scriptedLimiter(
      { whenUnavailable: 'refuse', circuit: { failures: 1, cooldown: 1000 } },
      () => Promise.reject(down),
    );
    expect((await rejection(limiter.acquire())).cause).toBe(down);
    const error = await rejection(limiter.acquire());
    expect(RedisUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toBe('@dyno/pool-redis: Redis is skipped after repeated failures');
    expect(error.cause).toMatchObject({ name: 'BrokenCircuitError' });
    expect(client.evalsha).toHaveBeenCalledTimes(1);
  });

  it('gives the probe after the cooldown its whole `timeout`, even past a shorter cooldown', async () => {
    const answer = deferred<unknown>();
    let calls = 0;
    const { limiter, clock, decisions } = scriptedLimiter(
      { circuit: { failures: 1, cooldown: 50 } },
      () => (++calls === 1 ? Promise.reject(new Error('down')) : answer.promise),
    );
    await limiter.acquire();
    expect(limiter.redisState).toBe('open');
    await clock.advance(50);
    const probe = limiter.acquire();
    await clock.advance(60); // longer than the cooldown, shorter than the timeout (100)
    expect(limiter.redisState).toBe('half-open');
    answer.resolve([1, '0.000', '1.000']);
    await probe;
    expect(decisions.at(-1)?.source).toBe('redis');
    expect(limiter.redisState).toBe('closed');
  });
});

describe('RedisRateLimiter options, mutation-tested', () => {
  const client = { evalsha: () => {}, eval: () => {} } as unknown as Redis;

  it('rejects missing or null options with a TypeError naming what it received', () => {
    for (const options of [undefined, null]) {
      const error = thrownBy(() => new RedisRateLimiter(options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe(
        `@dyno/pool-redis: options must be an object with a \`client\`; received ${options}`,
      );
    }
  });

  it.each([
    ['null', null, 'null'],
    ['a URL', 'redis://127.0.0.1:6379', '"redis://127.0.0.1:6379"'],
    ['a client without eval', { evalsha: () => {} }, 'an object'],
    ['a client without evalsha', { eval: () => {} }, 'an object'],
  ])('rejects %s as the client with a TypeError', (_, value, received) => {
    const error = thrownBy(() => new RedisRateLimiter({ client: value as never }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(
      `@dyno/pool-redis: option \`client\` must be an ioredis client; received ${received}`,
    );
  });

  it('is named redis-rate-limiter#<n> when not given a name', () => {
    const first = new RedisRateLimiter({ client });
    const second = new RedisRateLimiter({ client });
    const n = Number(/^redis-rate-limiter#(\d+)$/.exec(first.name)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(second.name).toBe(`redis-rate-limiter#${n + 1}`);
  });
});

describe('asking Redis, mutation-tested', () => {
  it('sends the script body with EVAL only on NOSCRIPT, not on another error', async () => {
    const cause = new Error('ECONNRESET');
    const { limiter, client } = scriptedLimiter({ whenUnavailable: 'refuse' }, () =>
      Promise.reject(cause),
    );
    const error = await rejection(limiter.acquire());
    expect(error.cause).toBe(cause);
    expect(client.evalsha).toHaveBeenCalledTimes(1);
    expect(client.eval).not.toHaveBeenCalled();
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
  ])('hands on a rejection with %s as the cause', async (_, value) => {
    const { limiter, client, errors } = scriptedLimiter({ whenUnavailable: 'refuse' }, () =>
      Promise.reject(value),
    );
    const error = await rejection(limiter.acquire());
    expect(RedisUnavailableError.isInstance(error)).toBe(true);
    expect(error.message).toBe('@dyno/pool-redis: Redis failed to decide');
    expect(error.cause).toBe(value);
    expect(errors[0]?.error.cause).toBe(value);
    expect(client.eval).not.toHaveBeenCalled();
  });

  it('asks Redis for no refund when a caller aborted a decision `allow` made', async () => {
    const { limiter, client, clock, decisions } = scriptedLimiter({ whenUnavailable: 'allow' });
    const controller = new AbortController();
    const call = limiter.acquire({ signal: controller.signal });
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await clock.advance(100); // Redis times out: `allow` admits the caller gone
    expect(decisions.map((d) => d.source)).toEqual(['allow']);
    expect(client.evalsha).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });
});
