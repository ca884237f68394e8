import { RateLimitedError } from '@dyno/pool';
import { RedisRateLimiter, RedisUnavailableError } from '@dyno/pool-redis';

/**
 * Uses @dyno/pool-redis without a server (and without ioredis, which this workspace does not
 * depend on): a stand-in client that admits once, refuses once, then fails, so the limiter's
 * local fallback decides.
 */
export async function use() {
  const answers = [
    [1, '0.000', '1.000'],
    [0, '250.000'],
  ];
  const client = {
    status: 'ready',
    evalsha: async () => {
      const next = answers.shift();
      if (next === undefined) throw new Error('ECONNREFUSED');
      return next;
    },
    eval: async () => {
      throw new Error('not used');
    },
  };
  const limiter = new RedisRateLimiter({ client, rate: 4, processes: 2, timeout: 100 });
  const sources = [];
  limiter.onDecision((e) => sources.push(e.source));
  if ((await limiter.execute(() => 'ran', { key: 'tenant:a' })) !== 'ran') {
    throw new Error('admitted call did not run');
  }
  const refused = await limiter.acquire({ key: 'tenant:a' }).catch((e) => e);
  if (!RateLimitedError.isInstance(refused) || refused.retryAfter !== 250) {
    throw new Error('refusal not a RateLimitedError with retryAfter');
  }
  await limiter.acquire({ key: 'tenant:a' });
  if (sources.join() !== 'redis,redis,local') throw new Error(`unexpected sources ${sources}`);
  if (RedisUnavailableError.isInstance(refused)) throw new Error('wrong error class');
}
