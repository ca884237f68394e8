import { Pool, RateLimiter, Timeout, TimeoutError } from '@dyno/pool';

/** Uses @dyno/pool: a queued pool with a timeout, a timed-out task, and a rate limiter. */
export async function use() {
  const pool = new Pool({ concurrency: 2, queue: 10, maxWait: 1000, timeout: 1000 });
  const results = await pool.all([() => 1, async () => 2, () => 3]);
  if (results.some((r) => r.status !== 'fulfilled')) throw new Error('pool.all failed');
  const timeout = new Timeout({ timeout: 5 });
  const hung = timeout.execute(
    ({ signal }) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
      }),
  );
  await hung.catch((error) => {
    if (!TimeoutError.isInstance(error)) throw error;
  });
  const limiter = new RateLimiter({ rate: 100, interval: 1000, burst: 1, maxWait: 20 });
  await limiter.execute(() => 'first');
  await limiter.execute(() => 'second waits about 10 ms');
  pool.dispose();
}
