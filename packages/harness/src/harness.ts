import {
  check,
  defaultName,
  is,
  isThenable,
  type Rule,
  type Rules,
  reportListenerError,
  reportRejection,
  resolveOptions,
} from '@dyno/core';
import { ErrorCounts } from './error-counts.js';
import type { HarnessErrorEvent } from './events.js';
import { writer } from './internal/log.js';
import { observe } from './internal/observe.js';
import type { HarnessLogger, LoggerStyle } from './logger.js';
import { DEFAULT_HARNESS_OPTIONS, type HarnessOptions } from './options.js';

const PKG = '@dyno/harness';

// biome-ignore lint/suspicious/noExplicitAny: the widest function type, so any signature fits
type AnyFunction = (...args: any[]) => any;

const LOGGER: Rule = Object.freeze({
  expected: 'a logger (an object with an `error` method)',
  test: (v: unknown) =>
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { error?: unknown }).error === 'function'
      ? undefined
      : 'type',
});

const COUNTS: Rule = Object.freeze({
  expected: 'an ErrorCounts',
  test: (v: unknown) => (v instanceof ErrorCounts ? undefined : 'type'),
});

interface Resolved {
  name: string | undefined;
  logger: HarnessLogger;
  loggerStyle: LoggerStyle;
  message: string | ((event: HarnessErrorEvent) => string) | undefined;
  onError: ((event: HarnessErrorEvent) => void) | undefined;
  sample: number;
  random: () => number;
  counts: ErrorCounts;
}

const RULES: Rules<Resolved> = {
  name: is.string,
  logger: LOGGER,
  loggerStyle: is.oneOf('auto', 'object-first', 'message-first'),
  message: is.either(is.string, is.function),
  onError: is.function,
  sample: is.ratio(),
  random: is.function,
  counts: COUNTS,
};

/**
 * Wraps `fn` so that every error it throws or rejects with is counted, logged (with the
 * function's name) and handed to `onError`, then rethrown as the very same object. The wrapper
 * returns exactly what `fn` returned: a sync `fn` stays sync, and a promise (a `Promise` subclass
 * too) comes back as the same object, its rejection observed on a side branch. A thenable that is
 * not a real promise (a lazy query builder) is returned untouched and not observed, since
 * observing it would run it. A logger or `onError` that throws (or, when async, rejects) never
 * replaces the original error, and never ends the process: its own error goes to `@dyno/core`'s
 * `reportListenerError` (a `DynoListenerWarning` by default).
 */
export function harness<F extends AnyFunction>(fn: F, options?: HarnessOptions): F {
  check(PKG, 'fn', fn, is.function);
  // read once; a class's static `name()` method or a Symbol is no name to log or count under
  const own: unknown = fn.name;
  const o = resolveOptions<Resolved>(PKG, options, RULES, {
    ...DEFAULT_HARNESS_OPTIONS,
    name: typeof own === 'string' && own !== '' ? own : undefined,
    message: undefined,
    onError: undefined,
  });
  const name = o.name ?? defaultName('harness');
  const { counts, sample, random, onError } = o;
  const message = o.message ?? `${name} failed`;
  const write = writer(o.logger, o.loggerStyle);

  const report = (error: unknown): void => {
    const count = counts.add(name);
    let logged = false;
    try {
      logged = sample >= 1 || (sample > 0 && random() < sample);
      if (logged) {
        const event: HarnessErrorEvent = { name, error, count, logged };
        const written = write(typeof message === 'string' ? message : message(event), error, name);
        reportRejection(written, `${PKG} logger of ${name}`);
      }
    } catch (failure) {
      reportListenerError(failure, `${PKG} logger of ${name}`);
    }
    if (onError === undefined) return;
    try {
      reportRejection(onError({ name, error, count, logged }), `${PKG} onError of ${name}`);
    } catch (failure) {
      reportListenerError(failure, `${PKG} onError of ${name}`);
    }
  };

  const harnessed = function (this: unknown, ...args: unknown[]): unknown {
    let result: unknown;
    try {
      // `new` goes on to `fn`: a class called plainly throws, and a constructor function's
      // instance would not be its own
      result =
        new.target === undefined ? fn.apply(this, args) : Reflect.construct(fn, args, new.target);
    } catch (error) {
      report(error);
      throw error;
    }
    if (isThenable(result)) observe(result, report);
    return result;
  };
  Object.defineProperty(harnessed, 'name', { value: own });
  // Express tells an error handler by its four parameters
  Object.defineProperty(harnessed, 'length', { value: fn.length });
  // so that an instance made through the wrapper is an instance of the wrapper too
  harnessed.prototype = fn.prototype;
  return harnessed as F;
}
