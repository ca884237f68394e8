import { type Clock, invoke, NEVER_ABORTED, withDeadline } from '@dyno/core';
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
  /** Reused for every build without a signal or timeout, so the common call allocates none. */
  readonly idleContext: MakeContext;
}

/**
 * Runs `make` once. Without a timeout it gets the caller's signal as is; with one it gets its
 * own signal, aborted by the caller's or by the timeout, and the timer and the link to the
 * caller's signal are released as soon as the build settles or is abandoned.
 */
export function build(
  dep: Normalised,
  signal: AbortSignal | undefined,
  clock: Clock,
  source: string,
): Promise<unknown> {
  if (dep.timeout === undefined) {
    const context =
      signal === undefined || signal === NEVER_ABORTED
        ? dep.idleContext
        : { name: dep.name, signal };
    return invoke(dep.make, context);
  }
  const timeout = dep.timeout;
  return withDeadline((child) => dep.make({ name: dep.name, signal: child }), {
    ms: timeout,
    reason: () => new DependencyTimeoutError(dep.name, timeout, source),
    signal,
    clock,
  });
}
