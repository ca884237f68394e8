import { CompoundError, ConstantBackoff, Retry, RetryBudget, retry } from '@dyno/retry';

/** Uses @dyno/retry: a retried call, an exhausted one, and one cancelled during its backoff. */
export async function use() {
  let calls = 0;
  const flaky = retry(
    async (n) => {
      calls += 1;
      if (calls < 2) throw new Error('flaky');
      return n * 2;
    },
    { backoff: new ConstantBackoff({ delay: 1 }), budget: new RetryBudget() },
  );
  if ((await flaky(21)) !== 42) throw new Error('retry returned the wrong value');

  const policy = new Retry({ attempts: 2, backoff: new ConstantBackoff({ delay: 1 }) });
  const error = await policy.execute(() => Promise.reject(new Error('down'))).catch((e) => e);
  if (!CompoundError.isInstance(error) || error.errors.length !== 2) {
    throw new Error('expected a CompoundError with two failures');
  }

  // a long backoff cut short by an abort must leave no timer behind
  const controller = new AbortController();
  const slow = new Retry({ backoff: new ConstantBackoff({ delay: 60_000 }) });
  const pending = slow.execute(() => Promise.reject(new Error('x')), { signal: controller.signal });
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort(new Error('stop'));
  await pending.catch(() => {});
}
