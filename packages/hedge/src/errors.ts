import { DynoError, hasCode } from '@dyno/core';

/**
 * Raised when every attempt of a hedged call failed and two or more ran (a single attempt's
 * failure reaches the caller as itself). `errors` holds the failures in the order the attempts
 * started; `cause` is the one that settled last. Code `DYNO_HEDGE_FAILED`.
 */
export class HedgeError extends DynoError {
  /** Every attempt's failure, in the order the attempts started, exactly as thrown. */
  readonly errors: readonly unknown[];

  constructor(source: string, errors: readonly unknown[], last: unknown) {
    const detail = last instanceof Error ? last.message : String(last);
    super('DYNO_HEDGE_FAILED', `All ${errors.length} hedged attempts failed: ${detail}`, {
      source,
      cause: last,
    });
    this.errors = Object.freeze([...errors]);
  }

  /** True for a `HedgeError` from any loaded copy of `@dyno/hedge`. */
  static override isInstance(value: unknown): value is HedgeError {
    return hasCode(value, 'DYNO_HEDGE_FAILED');
  }
}

/**
 * The reason the signal of a losing attempt is aborted with: another attempt of the same call
 * won. Code `DYNO_HEDGE_LOST`; `winner` is the winning attempt's number.
 */
export class HedgeLostError extends DynoError {
  /** The number (1-based) of the attempt that won. */
  readonly winner: number;

  constructor(source: string, winner: number) {
    super('DYNO_HEDGE_LOST', `Attempt ${winner} of a hedged call won`, { source });
    this.winner = winner;
  }

  /** True for a `HedgeLostError` from any loaded copy of `@dyno/hedge`. */
  static override isInstance(value: unknown): value is HedgeLostError {
    return hasCode(value, 'DYNO_HEDGE_LOST');
  }
}
