import { DynoError, hasCode } from '@dyno/core';

const describe = (value: unknown): string =>
  value instanceof Error ? value.message : typeof value === 'string' ? value : String(value);

/**
 * Raised when a call failed and then its fallback failed too. Both causes are kept: `cause` is
 * the fallback's own failure, `error` the call's failure that the fallback was answering.
 * Code `DYNO_FALLBACK_FAILED`.
 */
export class FallbackError extends DynoError {
  /** The call's failure (what the fallback was given). */
  readonly error: unknown;

  constructor(source: string, error: unknown, fallbackError: unknown) {
    super(
      'DYNO_FALLBACK_FAILED',
      `The fallback of ${JSON.stringify(source)} failed: ${describe(fallbackError)} (the call had failed: ${describe(error)})`,
      { source, cause: fallbackError },
    );
    this.error = error;
  }

  /** True for a `FallbackError` from any loaded copy of `@dyno/service`. */
  static override isInstance(value: unknown): value is FallbackError {
    return hasCode(value, 'DYNO_FALLBACK_FAILED');
  }
}
