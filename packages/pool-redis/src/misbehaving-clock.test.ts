import { type Clock, type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { ManualClock, OddClock, SteppingClock } from '@dyno/core/testing';
import { RateLimitedError } from '@dyno/pool';
import type { Redis } from 'ioredis';
import { RedisRateLimiter } from './redis-rate-limiter.js';

// Redis decides on its own clock (TIME); the limiter's clock times its waits, its decision
// timeout and the local fallback, which keeps the limit in this process while Redis is down.
// A clock of the user's own may misbehave: it must neither lift the limit nor refuse for good.
function downLimiter(clock: Clock) {
  const client = { status: 'reconnecting', evalsha: jest.fn(), eval: jest.fn() };
  return new RedisRateLimiter({
    client: client as unknown as Redis,
    clock,
    rate: 1,
    interval: 1000,
    burst: 2,
    maxWait: 0,
    whenUnavailable: 'local',
    name: 'fleet',
  });
}

/** How many of `n` calls were admitted (the others refused with `RateLimitedError`). */
async function admitted(limiter: RedisRateLimiter, n: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < n; i++) {
    try {
      await limiter.acquire({ key: 'k' });
      count++;
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
    }
  }
  return count;
}

describe('RedisRateLimiter local fallback on a clock that misbehaves', () => {
  it('regression: a wall clock stepped back an hour does not refuse every call for an hour', async () => {
    const manual = new ManualClock(1_000_000);
    const clock = new SteppingClock(manual);
    const limiter = downLimiter(clock);
    expect(await admitted(limiter, 3)).toBe(2); // the burst, then refused
    clock.stepBack(3_600_000);
    expect(await admitted(limiter, 1)).toBe(0); // the step counts as no time passed
    await manual.advance(1000);
    expect(await admitted(limiter, 2)).toBe(1); // then one turn a second, as before the step
  });

  it('regression: one NaN reading does not lift the limit for good', async () => {
    const reports: ListenerErrorEvent[] = [];
    using _ = onListenerError((e) => reports.push(e));
    const clock = new OddClock(1_000_000);
    const limiter = downLimiter(clock);
    clock.read = () => Number.NaN;
    await admitted(limiter, 1);
    clock.read = undefined;
    await clock.advance(5000);
    expect(await admitted(limiter, 10)).toBe(2); // the burst, not every call
    await clock.advance(1000);
    expect(await admitted(limiter, 10)).toBe(1);
    expect(reports.map((r) => r.source)).toEqual(['@dyno/pool-redis "fleet" clock']);
  });
});
