import { reportListenerError, reportRejection } from '@dyno/core';
import type { Normalised } from './build.js';

/**
 * Hands a value that was built but will never be used to its dependency's `dispose`. A disposer
 * that throws or rejects cannot fail a call that is already over: its error is reported through
 * `reportListenerError` (a process warning by default).
 */
export function discard(dep: Normalised, value: unknown): void {
  const dispose = dep.dispose;
  if (dispose === undefined) return;
  const source = `@dyno/injection dispose of ${dep.name}`;
  try {
    reportRejection(dispose(value), source);
  } catch (error) {
    reportListenerError(error, source);
  }
}
