import { Hedge, HedgeError, hedge } from '@dyno/hedge';

/** Uses @dyno/hedge: a hedge that wins over a hung attempt, and a call whose attempts all fail. */
export async function use() {
  // the first attempt ignores its signal and never settles; the hedge answers, nothing waits on it
  const fast = hedge(({ attempt }, n) => (attempt === 1 ? new Promise(() => {}) : n * 2), {
    delay: 1,
    budget: false,
  });
  if ((await fast(21)) !== 42) throw new Error('hedge returned the wrong value');
  if (fast.hedge.counts.wins !== 1) throw new Error('the hedge win was not counted');

  const policy = new Hedge({ delay: 60_000, maxAttempts: 2, budget: false });
  const error = await policy.execute(() => Promise.reject(new Error('down'))).catch((e) => e);
  if (!HedgeError.isInstance(error) || error.errors.length !== 2) {
    throw new Error('expected a HedgeError with two failures');
  }
}
