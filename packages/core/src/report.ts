import type { Disposable } from './disposable.js';
import { toDisposable } from './disposable.js';
import { format } from './validate.js';

/** What `onListenerError` subscribers receive. */
export interface ListenerErrorEvent {
  /** What the listener threw, unchanged. */
  readonly error: unknown;
  /** Who called the listener: `'@dyno/breaker onStateChange'`, `'an abort listener'`, ... */
  readonly source: string;
}

/**
 * How a throwing listener is reported when nobody subscribed to `onListenerError`:
 * - `'warn'` (default): `process.emitWarning` with type `DynoListenerWarning` and code
 *   `DYNO_LISTENER_ERROR`; the call and the process go on.
 * - `'throw'`: the error is rethrown on a later microtask, so it is an uncaught exception (a test
 *   runner fails the test that caused it). For tests only.
 */
export type ListenerErrorMode = 'warn' | 'throw';

type Subscriber = (event: ListenerErrorEvent) => void;

// Module state on purpose: listener errors are a process-wide concern, like `process.on`.
const subscribers = new Set<Subscriber>();
let mode: ListenerErrorMode = 'warn';

/**
 * Subscribes to the errors thrown by user listeners of every Dyno package (event listeners, abort
 * listeners, loggers). While anyone subscribes, no warning is emitted. A subscriber that throws
 * itself is reported as a warning.
 */
export function onListenerError(subscriber: Subscriber): Disposable {
  if (typeof subscriber !== 'function') {
    throw new TypeError(
      `@dyno/core: the onListenerError subscriber must be a function; received ${typeof subscriber}`,
    );
  }
  // a fresh entry per subscription: the same function subscribed twice is two subscriptions
  const entry: Subscriber = (event) => subscriber(event);
  subscribers.add(entry);
  return toDisposable(() => subscribers.delete(entry));
}

/** Chooses how a throwing listener is reported while nobody subscribes (see `ListenerErrorMode`). */
export function setListenerErrorMode(next: ListenerErrorMode): void {
  if (next !== 'warn' && next !== 'throw') {
    throw new RangeError(
      `@dyno/core: the listener error mode must be "warn" or "throw"; received ${String(next)}`,
    );
  }
  mode = next;
}

/**
 * Reports what a user listener threw. Never throws: a listener's failure must not break the call
 * that emitted the event, nor the process.
 */
export function reportListenerError(error: unknown, source: string): void {
  if (subscribers.size > 0) {
    const event: ListenerErrorEvent = Object.freeze({ error, source });
    for (const subscriber of subscribers) {
      try {
        subscriber(event);
      } catch (failure) {
        warn(failure, 'an onListenerError subscriber');
      }
    }
    return;
  }
  if (mode === 'throw') {
    queueMicrotask(() => {
      throw error;
    });
    return;
  }
  warn(error, source);
}

const nativeThen = Promise.prototype.then;

/**
 * Reports the rejection of what a listener, a logger or a disposer returned, when it is a
 * promise (an async listener): nobody else holds that promise, and left alone its rejection
 * would be unhandled, which ends a Node process. Never throws, and never replaces the promise:
 * the report hangs on a side branch. Only real promises are watched, through the intrinsic
 * `then` (any realm's promise has the internal state it needs); another thenable is left alone,
 * since calling its `then` could start work it defers until awaited (a query builder).
 */
export function reportRejection(result: unknown, source: string): void {
  if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return;
  try {
    nativeThen.call(result, undefined, (error: unknown) => reportListenerError(error, source));
  } catch {
    // not a real promise, or a subclass whose `constructor` cannot make another: left alone
  }
}

function warn(error: unknown, source: string): void {
  const message = `${source} threw: ${describe(error)}`;
  if (typeof process === 'object' && typeof process.emitWarning === 'function') {
    process.emitWarning(message, { type: 'DynoListenerWarning', code: 'DYNO_LISTENER_ERROR' });
  } else if (typeof console === 'object') {
    console.warn(message);
  }
}

/**
 * The error's stack, message or text. Never throws: `String(error)` does for an object without
 * a prototype or with a throwing `toString`, and so can a `stack` getter, a `stack` that is such
 * an object, or `instanceof` on a revoked proxy; then `format` says what kind of value it was.
 */
function describe(error: unknown): string {
  try {
    return error instanceof Error ? String(error.stack ?? error.message) : String(error);
  } catch {
    return format(error);
  }
}
