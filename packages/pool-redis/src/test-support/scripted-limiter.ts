import { ManualClock } from '@dyno/core/testing';
import type { Redis } from 'ioredis';
import type { RateDecisionEvent, RedisRateErrorEvent } from '../events.js';
import type { RedisRateLimiterOptions } from '../options.js';
import { RedisRateLimiter } from '../redis-rate-limiter.js';

// A stand-in for ioredis whose answers each test scripts: Redis down, slow, failing, hung, which
// the real server cannot be made to be on demand. What Redis decides is tested on a real server.
export interface FakeClient {
  status: string;
  evalsha: jest.Mock;
  eval: jest.Mock;
}

/** An answer that never comes. */
export const hang = () => new Promise<never>(() => {});

/** A limiter named `fleet` on a manual clock, with a 100 ms timeout, whose Redis `answer`s. */
export function scriptedLimiter(
  options: Partial<RedisRateLimiterOptions> = {},
  answer: () => unknown = hang,
) {
  const clock = new ManualClock();
  const client: FakeClient = { status: 'ready', evalsha: jest.fn(answer), eval: jest.fn(answer) };
  const limiter = new RedisRateLimiter({
    client: client as unknown as Redis,
    clock,
    timeout: 100,
    name: 'fleet',
    ...options,
  });
  const decisions: RateDecisionEvent[] = [];
  const errors: RedisRateErrorEvent[] = [];
  limiter.onDecision((e) => decisions.push(e));
  limiter.onRedisError((e) => errors.push(e));
  return { clock, client, limiter, decisions, errors };
}
