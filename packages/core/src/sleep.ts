import { abortReason, onAbort } from './abort.js';
import { type Clock, systemClock } from './clock.js';
import { check, checkDuration, is } from './validate.js';

/** Options of `sleep`. */
export interface SleepOptions {
  /** Rejects the sleep at once with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /** @default systemClock */
  readonly clock?: Clock | undefined;
}

/**
 * Waits `ms` milliseconds. An already-aborted signal rejects at once; an abort during the wait
 * rejects with the signal's `reason`, clears the timer and removes the listener. `sleep(0)`
 * settles on the next microtask without a timer.
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  checkDuration('@dyno/core', 'ms', ms);
  const { signal, clock = systemClock } = options;
  // checked before the timer is set: a timer left behind by a refused sleep would fire later
  if (signal !== undefined) check('@dyno/core', 'signal', signal, is.signal);
  if (clock !== systemClock) check('@dyno/core', 'clock', clock, is.clock);
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    // the timer first: a clock that throws here leaves no listener on the caller's signal
    const timer = clock.setTimeout(() => {
      subscription.dispose();
      resolve();
    }, ms);
    const subscription = onAbort(signal, () => {
      clock.clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    });
  });
}
