import { DynoError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import type { Backoff, BackoffContext } from './backoff/backoff.js';
import type { CompoundError } from './errors.js';
import type { GiveUpEvent, RetryEvent } from './events.js';
import type { RetryOptions } from './options.js';
import { Retry } from './retry-policy.js';
import { failing, make, settle } from './test-support/helpers.js';

// Issue 20 item 3: a backoff sees the failure, and `retryAfter` lets a failure set the wait.

/** Like pool's `RateLimitedError` and breaker's `BrokenCircuitError`: a DynoError with `retryAfter` in ms. */
class Throttled extends DynoError {
  constructor(readonly retryAfter: unknown) {
    super('DYNO_RATE_LIMITED', 'throttled');
  }
}

describe('the backoff context', () => {
  it('carries the failure, the result and the time since the call started', async () => {
    const clock = new ManualClock();
    const seen: Omit<BackoffContext, 'random'>[] = [];
    const backoff: Backoff = {
      delay: (c) => {
        const { random: _, ...rest } = c;
        seen.push(rest);
        return 50;
      },
    };
    const down = new Error('down');
    const outcomes: (() => unknown)[] = [
      () => {
        clock.set(clock.now() + 30);
        throw down;
      },
      () => 503,
      () => 200,
    ];
    const policy = new Retry({
      clock,
      backoff,
      shouldRetry: (o) => o.failed || o.result === 503,
    });
    const result = await settle(
      clock,
      policy.execute(() => (outcomes.shift() as () => unknown)()),
    );
    expect(result).toEqual({ ok: true, value: 200, at: 130 });
    expect(seen).toEqual([
      {
        attempt: 1,
        previous: 0,
        state: 0,
        failed: true,
        error: down,
        result: undefined,
        elapsed: 30,
      },
      {
        attempt: 2,
        previous: 50,
        state: 0,
        failed: false,
        error: undefined,
        result: 503,
        elapsed: 80,
      },
    ]);
  });
});

describe('retryAfter', () => {
  const run = async (options: RetryOptions, thrown: unknown[]) => {
    const clock = new ManualClock();
    const times: number[] = [];
    const policy = make(clock, { attempts: thrown.length, ...options });
    const retries: RetryEvent[] = [];
    const giveUps: GiveUpEvent[] = [];
    policy.onRetry((e) => retries.push(e));
    policy.onGiveUp((e) => giveUps.push(e));
    const result = await settle(
      clock,
      policy.execute(() => {
        times.push(clock.now());
        throw thrown[times.length - 1];
      }),
    );
    return { result, times, delays: retries.map((e) => e.delay), giveUps };
  };

  it('is off by default: the backoff decides even when the error carries a hint', async () => {
    const { times } = await run({}, [new Throttled(750), new Throttled(750), 'last']);
    expect(times).toEqual([0, 100, 200]);
  });

  it('true waits what a Dyno error (rate limited, open circuit) says in its retryAfter', async () => {
    const { times, delays, result } = await run({ retryAfter: true }, [
      new Throttled(750),
      new Error('no hint'),
      new Throttled(0),
      'last',
    ]);
    expect(times).toEqual([0, 750, 850, 850]);
    expect(delays).toEqual([750, 100, 0]);
    const error = (result as { error: CompoundError }).error;
    expect(error.attempts.map((a) => a.delay)).toEqual([750, 100, 0, undefined]);
  });

  it('true ignores a hint that is not a number from 0 up, and never reads results', async () => {
    const { times } = await run({ retryAfter: true }, [
      new Throttled('750'),
      new Throttled(Number.NaN),
      new Throttled(-5),
      new Throttled(null),
      null,
      'last',
    ]);
    expect(times).toEqual([0, 100, 200, 300, 400, 500]);
    const clock = new ManualClock();
    const values = [{ retryAfter: 5_000 }, 'done'];
    const policy = make(clock, {
      retryAfter: true,
      shouldRetry: (o) => !o.failed && o.result !== 'done',
    });
    expect(
      await settle(
        clock,
        policy.execute(() => values.shift()),
      ),
    ).toEqual({
      ok: true,
      value: 'done',
      at: 100,
    });
  });

  it('is capped by maxDelay', async () => {
    const { times } = await run({ retryAfter: true, maxDelay: 5_000 }, [
      new Throttled(60_000),
      new Throttled(Number.POSITIVE_INFINITY),
      'last',
    ]);
    expect(times).toEqual([0, 5_000, 10_000]);
  });

  it('gives up at once when the hinted wait would end after the deadline', async () => {
    const { times, result, giveUps } = await run({ retryAfter: true, deadline: 1_000 }, [
      new Throttled(300),
      new Throttled(800),
      'never',
    ]);
    expect(times).toEqual([0, 300]);
    expect(result.at).toBe(300);
    expect(giveUps.map((e) => e.reason)).toEqual(['deadline']);
  });

  it('a function reads the hint itself, from an error or an unwanted result', async () => {
    const clock = new ManualClock();
    const busy = { status: 503, headers: new Map([['retry-after', '2']]) };
    const noHeader = { status: 503, headers: new Map<string, string>() };
    const values: unknown[] = [busy, noHeader, { status: 200 }];
    const retryAfter = jest.fn((o: { failed: boolean; result?: unknown }, _attempt: number) => {
      const header = (o.result as typeof busy).headers.get('retry-after');
      return header === undefined ? null : Number(header) * 1000;
    });
    const policy = make(clock, {
      retryAfter,
      shouldRetry: (o) => !o.failed && (o.result as { status: number }).status === 503,
    });
    const result = await settle(
      clock,
      policy.execute(() => values.shift()),
    );
    expect(result).toEqual({ ok: true, value: { status: 200 }, at: 2_100 });
    expect(retryAfter.mock.calls).toEqual([
      [{ failed: false, result: busy }, 1],
      [{ failed: false, result: noHeader }, 2],
    ]);
    const failed = failing(clock, new Throttled(40));
    const seen: unknown[] = [];
    await settle(
      clock,
      make(clock, {
        attempts: 2,
        retryAfter: (o) => {
          seen.push(o);
          return undefined;
        },
      }).execute(failed.fn),
    );
    expect(seen).toEqual([{ failed: true, error: expect.any(Throttled) }]);
    expect(failed.times[1]! - failed.times[0]!).toBe(100);
  });

  it('rejects an option that is neither a boolean nor a function', () => {
    expect(() => new Retry({ retryAfter: 5 as never })).toThrow(
      new TypeError('@dyno/retry: option `retryAfter` must be a boolean or a function; received 5'),
    );
  });
});
