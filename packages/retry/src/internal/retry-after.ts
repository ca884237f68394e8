import type { RetryOptions, RetryOutcome } from '../options.js';
import type { Outcome } from './settings.js';

/** The `retryAfter` option as the loop calls it: `undefined` when it is off. */
export function retryAfterReader(
  option: RetryOptions['retryAfter'],
): ((outcome: Outcome, attempt: number) => unknown) | undefined {
  if (option === true) return fromProperty;
  if (typeof option !== 'function') return undefined;
  return (outcome, attempt) =>
    option(
      (outcome.failed
        ? { failed: true, error: outcome.value }
        : { failed: false, result: outcome.value }) as RetryOutcome,
      attempt,
    );
}

/** `retryAfter: true`: the error's own numeric `retryAfter` (ms), as Dyno's errors carry it. */
function fromProperty(outcome: Outcome): unknown {
  const error = outcome.value;
  if (!outcome.failed || typeof error !== 'object' || error === null) return undefined;
  return (error as { retryAfter?: unknown }).retryAfter;
}

/** A hint counts when it is a number from 0 up (Infinity included: `maxDelay` caps it). */
export function isHint(value: unknown): value is number {
  return typeof value === 'number' && value >= 0;
}
