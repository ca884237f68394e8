import { DynoError, hasCode } from '@dyno/core';

/**
 * Raised when a "before" filter returns something other than an array of arguments. The
 * filter's own errors are never wrapped: they reach the caller unchanged.
 */
export class FilterResultError extends DynoError {
  /** The value the filter returned instead of an array. */
  readonly received: unknown;

  constructor(message: string, source: string, received: unknown) {
    super('DYNO_FILTER_RESULT', message, { source });
    this.received = received;
  }

  /** True for a `FilterResultError` from any loaded copy of `@dyno/aspect`. */
  static override isInstance(value: unknown): value is FilterResultError {
    return hasCode(value, 'DYNO_FILTER_RESULT');
  }
}
