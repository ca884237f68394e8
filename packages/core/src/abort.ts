import { type Disposable, NOOP_DISPOSABLE, toDisposable } from './disposable.js';

/**
 * A signal that never aborts. Policies hand it to `fn` when the caller gave no signal, so no
 * `AbortController` is made on the hot path.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Runs `listener` once when `signal` aborts. The returned `Disposable` removes the listener;
 * dispose it when the call settles so nothing stays on a long-lived signal.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): Disposable {
  if (signal === undefined || signal === NEVER_ABORTED) return NOOP_DISPOSABLE;
  signal.addEventListener('abort', listener, { once: true });
  return toDisposable(() => signal.removeEventListener('abort', listener));
}

/** The reason a signal was aborted with; an `AbortError` `DOMException` when it gave none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
