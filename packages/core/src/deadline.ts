import { abortReason, onAbort } from './abort.js';
import { type Clock, systemClock } from './clock.js';
import { type Awaitable, invoke } from './invoke.js';
import { check, checkDuration, checkFunction, is } from './validate.js';

const PKG = '@dyno/core withDeadline';

/** Options of `withDeadline`. */
export interface DeadlineOptions {
  /** The deadline in ms from now. */
  readonly ms: number;
  /** What the call rejects with, and the child signal is aborted with, at the deadline. */
  readonly reason: () => unknown;
  /** The caller's signal: its abort rejects at once with its reason. */
  readonly signal?: AbortSignal | undefined;
  /** @default systemClock */
  readonly clock?: Clock | undefined;
}

/**
 * Runs `run(signal)` with a signal of its own, aborted when the caller's signal aborts or `ms`
 * pass. Settles with `run`'s outcome, or rejects at once with the caller's reason or with
 * `reason()` at the deadline, whichever comes first; the timer and the caller-signal listener are
 * released the moment it settles. For cold paths (one `AbortController` per call); `@dyno/pool`'s
 * timeouts use a leaner mechanism for every-call use.
 */
export function withDeadline<T>(
  run: (signal: AbortSignal) => Awaitable<T>,
  options: DeadlineOptions,
): Promise<T> {
  const { ms, reason, signal, clock = systemClock } = options;
  checkDuration(PKG, 'ms', ms);
  checkFunction(PKG, 'reason', reason);
  if (signal !== undefined) check(PKG, 'signal', signal, is.signal);
  if (clock !== systemClock) check(PKG, 'clock', clock, is.clock);
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clock.clearTimeout(timer);
      link.dispose();
    };
    const stop = (why: unknown): void => {
      done();
      controller.abort(why);
      reject(why);
    };
    // the timer first: a clock that throws here leaves no listener on the caller's signal
    const timer = clock.setTimeout(() => {
      let why: unknown;
      try {
        why = reason();
      } catch (failure) {
        why = failure; // a throwing `reason` still ends the call, with what it threw
      }
      stop(why);
    }, ms);
    const link = onAbort(signal, () => stop(abortReason(signal as AbortSignal)));
    invoke(run, controller.signal).then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
