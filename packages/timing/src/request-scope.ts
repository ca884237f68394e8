import { AsyncLocalStorage } from 'node:async_hooks';
import { check, checkFunction, is, isPromise, type Rule, reportListenerError } from '@dyno/core';
import { PerfTimer } from './perf-timer.js';

const PKG = '@dyno/timing';

const storage = new AsyncLocalStorage<PerfTimer>();
const nativeThen = Promise.prototype.then;

const TIMER: Rule = Object.freeze({
  expected: 'a PerfTimer',
  test: (v: unknown) => (v instanceof PerfTimer ? undefined : 'type'),
});

/**
 * Runs `fn` with `timer` as the current timer of everything it calls, synchronously or not
 * (through `AsyncLocalStorage`), and returns what `fn` returns. Typically the request's root,
 * in a middleware: `withTimer(new PerfTimer('request').start(), () => next())`.
 */
export function withTimer<T>(timer: PerfTimer, fn: () => T): T {
  check(PKG, 'timer', timer, TIMER);
  checkFunction(PKG, 'fn', fn);
  return storage.run(timer, fn);
}

/**
 * The interval that the code running now was called in: the innermost `timed` interval, or
 * the timer given to `withTimer`; `undefined` outside any. Mark on it from deep in a call tree
 * without passing the timer down: `currentTimer()?.mark('cache miss')`.
 */
export function currentTimer(): PerfTimer | undefined {
  return storage.getStore();
}

/**
 * Times `fn` as a child interval `name` of the current timer: the interval starts now, is the
 * current timer while `fn` runs (so nested `timed` calls nest under it), and stops when `fn`
 * returns, throws, or (when it returns a promise) settles. `fn` receives the interval. Outside
 * any timer `fn` just runs, with `undefined`: library code can call `timed` unconditionally.
 *
 * A promise result is replaced by the one its own `then` makes (same class), which settles as it
 * does once the interval has stopped (or, if its class cannot make one, as it is, the interval
 * stopped at once). A thenable that is not a promise is returned as it is and the interval stops
 * at once: `await` it inside `fn` to time it. A clock that throws at the start or the stop never
 * keeps `fn` from running nor replaces its value or error: it is reported through
 * `reportListenerError`.
 */
export function timed<T>(name: string, fn: (timer: PerfTimer | undefined) => T): T {
  check(PKG, 'name', name, is.string);
  checkFunction(PKG, 'fn', fn);
  const parent = storage.getStore();
  if (parent === undefined) return fn(undefined);
  const interval = parent.interval(name);
  try {
    interval.start();
  } catch (failure) {
    // a clock that throws at the start must not keep the work from running: the interval stays
    // idle, so it is left out of the outputs
    reportListenerError(failure, `${PKG} clock`);
  }
  let result: T;
  try {
    result = storage.run(interval, fn, interval);
  } catch (error) {
    stopQuietly(interval);
    throw error;
  }
  if (isPromise(result)) {
    const followed = follow(result, () => stopQuietly(interval));
    if (followed !== undefined) return followed as T;
  }
  stopQuietly(interval);
  return result;
}

/**
 * The promise `then` makes on `result` (its own class), settling as `result` does after `stop`;
 * `undefined` when it cannot be made: a subclass whose `constructor` or species getter throws is
 * then returned as it is, with the interval stopped at once, as a thenable is.
 */
function follow(result: Promise<unknown>, stop: () => void): Promise<unknown> | undefined {
  try {
    return nativeThen.call(
      result,
      (value: unknown) => {
        stop();
        return value;
      },
      (error: unknown) => {
        stop();
        throw error;
      },
    );
  } catch {
    return undefined;
  }
}

/**
 * Stops `interval` if it is still running. Timing observes the work it times, so a failing stop
 * (a clock that cannot read now) must not replace what `fn` returned or threw: disposing reports
 * it (source `@dyno/timing clock`) and leaves the interval running.
 */
function stopQuietly(interval: PerfTimer): void {
  interval[Symbol.dispose]();
}
