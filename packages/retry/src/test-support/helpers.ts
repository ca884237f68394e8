import type { ManualClock } from '@dyno/core/testing';
import { ConstantBackoff } from '../backoff/constant.js';
import type { RetryOptions } from '../options.js';
import { Retry } from '../retry-policy.js';

/** Runs `policy.execute(fn)` to the end on the clock; returns what it settled with. */
export async function settle<T>(clock: ManualClock, promise: Promise<T>) {
  const outcome = promise.then(
    (value) => ({ ok: true as const, value, at: clock.now() }),
    (error: unknown) => ({ ok: false as const, error, at: clock.now() }),
  );
  await clock.runAll();
  return outcome;
}

/** A function that records when it was called and fails every time. */
export function failing(clock: ManualClock, error: unknown = new Error('boom')) {
  const times: number[] = [];
  const fn = jest.fn(async () => {
    times.push(clock.now());
    throw error;
  });
  return { fn, times };
}

export const make = (clock: ManualClock, options: RetryOptions = {}) =>
  new Retry({ clock, backoff: new ConstantBackoff({ delay: 100 }), ...options });
