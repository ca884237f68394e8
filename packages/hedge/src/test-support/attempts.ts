import { type Deferred, deferred, type ManualClock } from '@dyno/core/testing';
import type { HedgeContext } from '../hedge-policy.js';

/** One attempt held open by the test: its context, when it started, and how to settle it. */
export interface HeldAttempt<T> extends Deferred<T> {
  readonly context: HedgeContext;
  readonly startedAt: number;
}

/** An `fn` whose every attempt waits for the test to settle it (it ignores its signal). */
export function held<T = string>(clock: ManualClock) {
  const attempts: HeldAttempt<T>[] = [];
  const fn = (context: HedgeContext): Promise<T> => {
    const d = deferred<T>();
    attempts.push({ ...d, context, startedAt: clock.now() });
    return d.promise;
  };
  return { fn, attempts };
}

/** Collects a promise's outcome without leaving a rejection unhandled. */
export function outcome<T>(promise: Promise<T>) {
  const box: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(box, { settled: true, value }),
    (error: unknown) => Object.assign(box, { settled: true, error }),
  );
  return box;
}
