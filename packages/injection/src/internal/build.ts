import { abortReason, type Clock, invoke, NEVER_ABORTED, onAbort } from '@dyno/core';
import type { Make, MakeContext } from '../declaration.js';
import { DependencyTimeoutError } from '../errors.js';

/** A dependency as `inject` keeps it after checking the declaration. */
export interface Normalised {
  readonly name: string;
  readonly make: Make<unknown>;
  readonly hasFallback: boolean;
  readonly fallback: unknown;
  readonly timeout: number | undefined;
  readonly once: boolean;
  /** Releases a value that was built but will never be used. */
  readonly dispose: ((value: unknown) => unknown) | undefined;
  /** Reused for every build without a signal or timeout, so the common call allocates none. */
  readonly idleContext: MakeContext;
}

/**
 * Runs `make` once. Without a timeout it gets `signal` as is (the call decides what to do with a
 * value that arrives after it gave up). With one it gets its own signal, aborted by `signal` or by
 * the timeout; the timer and the link to `signal` are released as soon as the build settles or is
 * abandoned, and a value that arrives after the build was abandoned goes to `discard`.
 */
export function build(
  dep: Normalised,
  signal: AbortSignal | undefined,
  clock: Clock,
  source: string,
  discard: (dep: Normalised, value: unknown) => void,
): Promise<unknown> {
  if (dep.timeout === undefined) {
    const context =
      signal === undefined || signal === NEVER_ABORTED
        ? dep.idleContext
        : { name: dep.name, signal };
    return invoke(dep.make, context);
  }
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const timeout = dep.timeout;
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    let open = true;
    const close = (): boolean => {
      if (!open) return false;
      open = false;
      clock.clearTimeout(timer);
      link.dispose();
      return true;
    };
    const stop = (why: unknown): void => {
      if (!close()) return;
      controller.abort(why);
      reject(why);
    };
    const link = onAbort(signal, () => stop(abortReason(signal as AbortSignal)));
    const timer = clock.setTimeout(
      () => stop(new DependencyTimeoutError(dep.name, timeout, source)),
      timeout,
    );
    invoke(dep.make, { name: dep.name, signal: controller.signal }).then(
      (value) => {
        if (close()) resolve(value);
        else discard(dep, value);
      },
      (error: unknown) => {
        if (close()) reject(error);
      },
    );
  });
}
