import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { deferred, flushPromises, ManualClock } from '@dyno/core/testing';
import { RateLimitedError } from '@dyno/pool';
import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import type { RedisRateErrorEvent } from './events.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { scriptedLimiter } from './test-support/scripted-limiter.js';

describe('RedisRateLimiter options', () => {
  it('rejects missing options or client with a TypeError', () => {
    expect(() => new RedisRateLimiter(undefined as never)).toThrow(TypeError);
    expect(() => new RedisRateLimiter({} as never)).toThrow(
      '@dyno/pool-redis: option `client` must be an ioredis client; received undefined',
    );
    expect(() => new RedisRateLimiter({ client: {} as never })).toThrow(TypeError);
  });

  it('names the option, the range and the value it received', () => {
    const client = { evalsha: () => {}, eval: () => {} } as unknown as Redis;
    expect(() => new RedisRateLimiter({ client, rate: 0 })).toThrow(
      new RangeError(
        '@dyno/pool-redis: option `rate` must be a finite number greater than 0 to 1000000000; received 0',
      ),
    );
    expect(() => new RedisRateLimiter({ client, rate: '5' as never })).toThrow(TypeError);
    expect(() => new RedisRateLimiter({ client, burst: 1.5 })).toThrow(RangeError);
    expect(() => new RedisRateLimiter({ client, timeout: 0 })).toThrow(RangeError);
    expect(() => new RedisRateLimiter({ client, processes: 0 })).toThrow(RangeError);
    expect(() => new RedisRateLimiter({ client, whenUnavailable: 'maybe' as never })).toThrow(
      RangeError,
    );
    expect(() => new RedisRateLimiter({ client, whenUnavailable: 1 as never })).toThrow(TypeError);
    expect(() => new RedisRateLimiter({ client, circuit: { failures: 0 } })).toThrow(
      '@dyno/pool-redis: option `circuit.failures` must be an integer from 1 to 2147483647; received 0',
    );
    expect(() => new RedisRateLimiter({ client, circuit: { cooldwn: 1 } as never })).toThrow(
      TypeError,
    );
    expect(() => new RedisRateLimiter({ client, limit: 5 } as never)).toThrow(
      /unknown option `limit`/,
    );
  });

  it('reads its settings back, burst following rate when left out', () => {
    const { limiter } = scriptedLimiter({ rate: 2.5, interval: 500, maxWait: 20 });
    expect(limiter).toMatchObject({
      name: 'fleet',
      rate: 2.5,
      interval: 500,
      burst: 3,
      maxWait: 20,
      whenUnavailable: 'local',
      redisState: 'closed',
    });
  });

  it('rejects a bad key or a non-function with a TypeError, asking Redis nothing', async () => {
    const { limiter, client } = scriptedLimiter({}, () => Promise.resolve([1, '0.000', '1.000']));
    await expect(limiter.acquire({ key: 5 as never })).rejects.toThrow(
      '@dyno/pool-redis: option `key` must be a non-empty string without a lone surrogate; received 5',
    );
    await expect(limiter.acquire({ key: '' })).rejects.toThrow(RangeError);
    // Redis would see 'a\ud83d', 'a\ud83e' and 'a\ufffd' as one key, so one limit
    await expect(limiter.acquire({ key: 'a\ud83d' })).rejects.toThrow(RangeError);
    await expect(limiter.acquire({ key: 'a\udc00b' })).rejects.toThrow(RangeError);
    await expect(limiter.acquire({ key: 'a\ud83d\ude00' })).resolves.toBeUndefined();
    expect(client.evalsha).toHaveBeenCalledTimes(1);
    client.evalsha.mockClear();
    expect(() => new RedisRateLimiter({ client: client as never, prefix: 'r\ud800:' })).toThrow(
      RangeError,
    );
    await expect(limiter.execute(42 as never)).rejects.toThrow(
      '@dyno/pool-redis: `fn` must be a function; received 42',
    );
    expect(client.evalsha).not.toHaveBeenCalled();
  });

  it('rejects call options of the wrong kind, a signal in their place, and a throwing getter, running nothing', async () => {
    const { limiter, client } = scriptedLimiter({}, () => Promise.resolve([1, '0.000', '1.000']));
    const fn = jest.fn(() => 'ran');
    for (const bad of [5, 'x', null, [], true]) {
      await expect(limiter.acquire(bad as never)).rejects.toThrow(
        /^@dyno\/pool-redis: options must be an object; received /,
      );
      await expect(limiter.execute(fn, bad as never)).rejects.toThrow(TypeError);
    }
    // an aborted signal given as the options was read as options without one: fn ran
    const controller = new AbortController();
    controller.abort();
    await expect(limiter.execute(fn, controller.signal as never)).rejects.toThrow(
      'received an AbortSignal (pass it as `{ signal }`)',
    );
    const boom = new Error('boom');
    const throwing = {
      get signal(): AbortSignal {
        throw boom;
      },
    };
    let call: Promise<unknown> | undefined;
    expect(() => {
      call = limiter.execute(fn, throwing);
    }).not.toThrow();
    await expect(call).rejects.toBe(boom);
    await expect(limiter.acquire(throwing)).rejects.toBe(boom);
    expect(fn).not.toHaveBeenCalled();
    expect(client.evalsha).not.toHaveBeenCalled();
  });

  it('rejects an aborted signal before asking Redis', async () => {
    const { limiter, client } = scriptedLimiter();
    const reason = new Error('gone');
    await expect(limiter.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(client.evalsha).not.toHaveBeenCalled();
  });
});

describe('RedisRateLimiter when Redis cannot decide', () => {
  it('decides locally after `timeout` when Redis hangs, at rate / processes', async () => {
    const { limiter, clock, decisions, errors } = scriptedLimiter({
      rate: 10,
      burst: 4,
      processes: 2,
    });
    const first = limiter.acquire({ key: 'k' });
    await clock.advance(100);
    await first;
    expect(errors[0]).toMatchObject({ name: 'fleet', key: 'k', during: 'decide' });
    expect(RedisUnavailableError.isInstance(errors[0]?.error)).toBe(true);
    expect(errors[0]?.error.message).toBe('@dyno/pool-redis: Redis took over 100 ms to decide');
    // the local share: burst 4 / 2 processes = 2 at once, one every 200 ms
    const second = limiter.acquire({ key: 'k' });
    const third = limiter.acquire({ key: 'k' }).catch((e: unknown) => e);
    await clock.advance(100);
    await second;
    const refused = (await third) as RateLimitedError;
    expect(RateLimitedError.isInstance(refused)).toBe(true);
    // a turn every 200 ms from the first admission at 100 ms: free again at 300 ms
    expect(refused.retryAfter).toBe(100);
    expect(decisions.map((d) => [d.admitted, d.source])).toEqual([
      [true, 'local'],
      [true, 'local'],
      [false, 'local'],
    ]);
    expect(clock.pending).toBe(0);
  });

  it('fails open with `allow`: every call is admitted', async () => {
    const { limiter, clock, decisions } = scriptedLimiter(
      { whenUnavailable: 'allow', rate: 1 },
      () => Promise.reject(new Error('ECONNRESET')),
    );
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(decisions.every((d) => d.admitted && d.source === 'allow')).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('fails closed with `refuse`: RedisUnavailableError carrying Redis own error', async () => {
    const cause = new Error('ECONNRESET');
    const { limiter, decisions } = scriptedLimiter({ whenUnavailable: 'refuse' }, () =>
      Promise.reject(cause),
    );
    const fn = jest.fn();
    const error = await limiter.execute(fn).catch((e: unknown) => e as RedisUnavailableError);
    expect(RedisUnavailableError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'DYNO_REDIS_UNAVAILABLE',
      source: 'fleet',
      cause,
      message: '@dyno/pool-redis: Redis failed to decide',
    });
    expect(fn).not.toHaveBeenCalled();
    expect(decisions).toEqual([
      { name: 'fleet', key: 'default', admitted: false, wait: 0, source: 'refuse' },
    ]);
  });

  it('decides at once while ioredis is reconnecting, without queueing a command', async () => {
    const { limiter, client, decisions } = scriptedLimiter();
    client.status = 'reconnecting';
    await limiter.acquire();
    expect(client.evalsha).not.toHaveBeenCalled();
    expect(decisions[0]?.source).toBe('local');
  });

  it('skips Redis after repeated failures and tries it again after the cooldown', async () => {
    let fail = true;
    const { limiter, client, clock } = scriptedLimiter(
      { rate: 1000, circuit: { failures: 2, cooldown: 1000 } },
      () => (fail ? Promise.reject(new Error('down')) : Promise.resolve([1, '0.000', '1.000'])),
    );
    await limiter.acquire();
    await limiter.acquire();
    expect(limiter.redisState).toBe('open');
    await limiter.acquire();
    expect(client.evalsha).toHaveBeenCalledTimes(2);
    fail = false;
    await clock.advance(1000);
    expect(limiter.redisState).toBe('half-open');
    await limiter.acquire();
    expect(client.evalsha).toHaveBeenCalledTimes(3);
    expect(limiter.redisState).toBe('closed');
  });

  it('asks Redis on every call with `circuit: false`', async () => {
    const { limiter, client } = scriptedLimiter({ circuit: false, rate: 1000 }, () =>
      Promise.reject(new Error('down')),
    );
    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(client.evalsha).toHaveBeenCalledTimes(5);
    expect(limiter.redisState).toBe('closed');
  });

  it('treats a client that throws synchronously or rejects with a non-error as unavailable', async () => {
    const { limiter, errors } = scriptedLimiter(
      { circuit: false, whenUnavailable: 'allow' },
      () => {
        throw 'not an error';
      },
    );
    await limiter.acquire();
    expect(errors[0]?.error.cause).toBe('not an error');
  });

  it('ignores an answer that comes after the timeout', async () => {
    const late = deferred<unknown>();
    const { limiter, clock, decisions } = scriptedLimiter({}, () => late.promise);
    const call = limiter.acquire();
    await clock.advance(100);
    await call;
    late.resolve([0, '500.000']);
    await flushPromises();
    expect(decisions.map((d) => d.source)).toEqual(['local']);
  });

  it('releases a caller that aborts while Redis decides, and gives its late turn back', async () => {
    const answer = deferred<unknown>();
    const { limiter, client, clock } = scriptedLimiter({}, () => answer.promise);
    const controller = new AbortController();
    const call = limiter.acquire({ signal: controller.signal });
    const reason = new Error('caller gone');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    answer.resolve([1, '5.000', '1234.500']);
    await flushPromises();
    // the refund: EVALSHA of the refund script with the TAT the admission wrote
    expect(client.evalsha).toHaveBeenCalledTimes(2);
    expect(client.evalsha.mock.calls[1]?.slice(1)).toEqual([
      2,
      'dyno:rate:default',
      'dyno:rate:default\u0000given-up',
      '1234.500',
      100,
    ]);
    await clock.advance(100);
    expect(clock.pending).toBe(0);
  });

  it('reports a refund Redis could not make', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const client = {
      status: 'ready',
      evalsha: () =>
        ++calls === 1 ? Promise.resolve([1, '50.000', '9.000']) : Promise.reject(new Error('down')),
      eval: () => Promise.reject(new Error('down')),
    };
    const limiter = new RedisRateLimiter({ client: client as never, clock, maxWait: 100 });
    const errors: RedisRateErrorEvent[] = [];
    limiter.onRedisError((e) => errors.push(e));
    const controller = new AbortController();
    const call = limiter.acquire({ signal: controller.signal });
    await flushPromises();
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await flushPromises();
    expect(errors.map((e) => e.during)).toEqual(['refund']);
    expect(clock.pending).toBe(0);
  });

  it('gives back a local turn of a caller that aborts while waiting', async () => {
    const { limiter, clock } = scriptedLimiter({ rate: 10, burst: 1, maxWait: 1000 }, () =>
      Promise.reject(new Error('down')),
    );
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    await flushPromises();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    const next = limiter.acquire();
    await flushPromises();
    // one turn (100 ms) away, not two
    expect(clock.nextDue).toBe(100);
    await clock.advance(100);
    await next;
  });

  it('names the limiter when a listener throws, and the call goes on', async () => {
    const { limiter } = scriptedLimiter({ whenUnavailable: 'allow' }, () =>
      Promise.reject(new Error('down')),
    );
    const throwing = () => {
      throw new Error('listener');
    };
    limiter.onRedisError(throwing);
    limiter.onDecision(throwing);
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      await expect(limiter.acquire()).resolves.toBeUndefined();
    } finally {
      subscription.dispose();
    }
    expect(reported.map((event) => event.source)).toEqual([
      '@dyno/pool-redis "fleet" onRedisError',
      '@dyno/pool-redis "fleet" onDecision',
    ]);
  });

  it('gives back the local turns of callers that leave in arrival order, once the last one left', async () => {
    const { limiter, clock } = scriptedLimiter({ rate: 10, burst: 1, maxWait: 1000 }, () =>
      Promise.reject(new Error('down')),
    );
    await limiter.acquire();
    const controllers = [0, 1, 2].map(() => new AbortController());
    const waiting = controllers.map((c) => limiter.acquire({ signal: c.signal }));
    await flushPromises();
    for (const controller of controllers) controller.abort();
    for (const call of waiting) await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await flushPromises();
    const next = limiter.acquire();
    await flushPromises();
    // one turn (100 ms) away, not four
    expect(clock.nextDue).toBe(100);
    await clock.advance(100);
    await next;
  });

  it('falls back to EVAL when Redis answers NOSCRIPT', async () => {
    const clock = new ManualClock();
    const client = {
      status: 'ready',
      evalsha: jest.fn(() => Promise.reject(new Error('NOSCRIPT No matching script.'))),
      eval: jest.fn((..._args: unknown[]) => Promise.resolve([1, '0.000', '1.000'])),
    };
    const limiter = new RedisRateLimiter({ client: client as never, clock });
    await limiter.acquire();
    expect(client.eval).toHaveBeenCalledTimes(1);
    expect(String(client.eval.mock.calls[0]?.[0])).toContain("redis.call('TIME')");
  });
});
