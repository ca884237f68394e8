import { type Disposable, NOOP_DISPOSABLE, toDisposable } from './disposable.js';
import { reportListenerError, reportRejection } from './report.js';

/**
 * A signal that never aborts. Policies hand it to `fn` when the caller gave no signal, so no
 * `AbortController` is made on the hot path. It keeps no `abort` listener, since none could ever
 * be called: every call without a signal shares it, and `fetch` (undici) leaves its listener on
 * a signal until the request is collected, so a pool of 50 doing fetches held thousands of
 * finished calls' listeners and Node warned about 2,000 times every 5,000 calls (raising the
 * signal's listener limit does not hold: undici sets it back to 1,500).
 */
export const NEVER_ABORTED: AbortSignal = neverAborted();

function neverAborted(): AbortSignal {
  const signal = new AbortController().signal;
  const add = signal.addEventListener;
  // `onabort` is kept here: Node's own setter counts on the listener it adds being there
  let onabort: AbortSignal['onabort'] = null;
  Object.defineProperties(signal, {
    addEventListener: {
      value: function addEventListener(this: AbortSignal, type: unknown, ...rest: unknown[]) {
        if (type !== 'abort') Reflect.apply(add, this, [type, ...rest]);
      },
    },
    onabort: {
      get: () => onabort,
      set: (handler: unknown) => {
        onabort = typeof handler === 'function' ? (handler as AbortSignal['onabort']) : null;
      },
    },
  });
  return signal;
}

/** A function, or an object whose `handleEvent` is called (no closure needed per call). */
export type AbortListener = (() => void) | { handleEvent(): void };

interface Hub {
  readonly listeners: Set<AbortListener>;
  readonly fire: () => void;
}

// One real listener per signal, however many calls wait on it: a long-lived signal (a server's
// shutdown signal) shared by many concurrent calls would otherwise pass Node's leak warning at
// 11 listeners, and EventTarget's add/remove costs several times a Set's.
const hubs = new WeakMap<AbortSignal, Hub>();

/**
 * Calls `listener` once when `signal` aborts, until `removeAbortListener` removes it. Every
 * listener of a signal shares one real `abort` listener, removed when the last one leaves.
 * A listener that throws does not stop the others; its error goes to `reportListenerError`.
 */
export function addAbortListener(signal: AbortSignal, listener: AbortListener): void {
  let hub = hubs.get(signal);
  if (hub === undefined) {
    const listeners = new Set<AbortListener>();
    const fire = (): void => {
      // the hub stays findable while its listeners run, so that one removed by an earlier
      // listener is skipped; one added meanwhile is not called (as EventTarget does)
      for (const l of [...listeners]) {
        if (!listeners.delete(l)) continue;
        try {
          const result: unknown = typeof l === 'function' ? l() : l.handleEvent();
          if (result !== undefined) reportRejection(result, 'an abort listener');
        } catch (error) {
          reportListenerError(error, 'an abort listener');
        }
      }
      listeners.clear();
      hubs.delete(signal);
    };
    hub = { listeners, fire };
    hubs.set(signal, hub);
    signal.addEventListener('abort', fire, { once: true });
  }
  hub.listeners.add(listener);
}

/** Removes a listener added by `addAbortListener`; unknown listeners are ignored. */
export function removeAbortListener(signal: AbortSignal, listener: AbortListener): void {
  const hub = hubs.get(signal);
  if (hub === undefined || !hub.listeners.delete(listener)) return;
  if (hub.listeners.size === 0) {
    hubs.delete(signal);
    signal.removeEventListener('abort', hub.fire);
  }
}

/**
 * Runs `listener` once when `signal` aborts. The returned `Disposable` removes the listener;
 * dispose it when the call settles so nothing stays on a long-lived signal.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): Disposable {
  if (signal === undefined || signal === NEVER_ABORTED) return NOOP_DISPOSABLE;
  // a fresh entry per subscription: the same function subscribed twice is two subscriptions
  const entry = (): void => listener();
  addAbortListener(signal, entry);
  return toDisposable(() => removeAbortListener(signal, entry));
}

/** The reason a signal was aborted with; an `AbortError` `DOMException` when it gave none. */
export function abortReason(signal: AbortSignal): unknown {
  // `abort(null)` keeps `null` as the reason: only a missing one is made up
  const reason: unknown = signal.reason;
  return reason === undefined
    ? new DOMException('This operation was aborted', 'AbortError')
    : reason;
}

/**
 * Settles as `promise` does, or rejects with `signal`'s reason the moment it aborts, whichever
 * comes first (`aborted` runs then too); an already-aborted signal rejects at once. The listener goes when `promise` settles, and a late
 * failure of `promise` is handled here, never reported as unhandled. Without a signal (or with
 * `NEVER_ABORTED`) it is `promise` itself.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  aborted?: () => void,
): Promise<T> {
  if (signal === undefined || signal === NEVER_ABORTED) return promise;
  if (signal.aborted) {
    promise.then(undefined, () => undefined); // its outcome no longer has a reader
    aborted?.();
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const subscription = onAbort(signal, () => {
      reject(abortReason(signal));
      aborted?.();
    });
    promise.then(
      (value) => {
        subscription.dispose();
        resolve(value);
      },
      (error: unknown) => {
        subscription.dispose();
        reject(error);
      },
    );
  });
}
