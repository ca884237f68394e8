import { DYNO_ERROR, type DynoErrorLike, hasCode, markDynoError } from '@dyno/core';

/** Why a Retry stopped trying before a success. */
export type GiveUpReason = 'attempts' | 'not-retryable' | 'deadline' | 'budget';

/** One attempt in a `CompoundError`'s history. */
export interface AttemptRecord {
  /** 1-based. */
  readonly attempt: number;
  /** True when the attempt threw or rejected; false when it returned a result judged unwanted. */
  readonly failed: boolean;
  /** What the attempt threw, exactly as thrown (present when `failed`). */
  readonly error?: unknown;
  /** What the attempt returned (present when not `failed`). */
  readonly result?: unknown;
  /** When the attempt started, on the policy's clock (ms). */
  readonly start: number;
  /** How long the attempt ran (ms). */
  readonly duration: number;
  /** The wait that followed it (ms); `undefined` for the last attempt. */
  readonly delay: number | undefined;
}

/** The shape of an error class for `CompoundError.hasFailedWith`. */
export type ErrorClass = (abstract new (
  ...args: never[]
) => unknown) & {
  isInstance?: (value: unknown) => boolean;
};

const REASONS: Readonly<Record<GiveUpReason, string>> = {
  attempts: 'no attempts left',
  'not-retryable': 'the last failure is not retryable',
  deadline: 'the deadline would pass before the next attempt',
  budget: 'the retry budget is spent',
};

/**
 * Raised when Retry gives up after failures (unless `throwLastError` is set). An
 * `AggregateError`, so `errors` holds every failure in order; `cause` is the last one; `attempts`
 * is the full history. Counts as a `DynoError` (`DynoError.isInstance`, `instanceof DynoError`).
 */
export class CompoundError extends AggregateError implements DynoErrorLike {
  declare readonly [DYNO_ERROR]: true;
  /** Always `DYNO_RETRY_EXHAUSTED`. */
  declare readonly code: string;
  /** The name of the Retry that gave up. */
  declare readonly source: string | undefined;
  /** Every attempt: what it threw or returned, when it started, how long it ran, the wait after. */
  readonly attempts: readonly AttemptRecord[];
  /** Why Retry stopped. */
  readonly reason: GiveUpReason;

  constructor(
    attempts: readonly AttemptRecord[],
    reason: GiveUpReason,
    options: { readonly source?: string | undefined } = {},
  ) {
    const errors = attempts.filter((a) => a.failed).map((a) => a.error);
    const last = errors[errors.length - 1];
    const n = attempts.length;
    super(
      errors,
      `Gave up after ${n} attempt${n === 1 ? '' : 's'} (${REASONS[reason]}): ${describe(last)}`,
      { cause: last },
    );
    this.name = new.target.name;
    this.attempts = Object.freeze(attempts.slice());
    this.reason = reason;
    markDynoError(this, 'DYNO_RETRY_EXHAUSTED', options.source);
  }

  /**
   * True when any attempt failed with an instance of `type`. Uses `type.isInstance` when the
   * class has one (every Dyno error does), so it also recognises errors from another loaded copy
   * of Dyno.
   */
  hasFailedWith(type: ErrorClass): boolean {
    const isInstance = type.isInstance;
    for (const error of this.errors) {
      if (typeof isInstance === 'function' ? isInstance.call(type, error) : error instanceof type) {
        return true;
      }
    }
    return false;
  }

  /** True for a `CompoundError` from any loaded copy of `@dyno/retry`. */
  static isInstance(value: unknown): value is CompoundError {
    return hasCode(value, 'DYNO_RETRY_EXHAUSTED');
  }
}

/** A failure's message for `CompoundError`'s own: `throw "x"` and `throw undefined` read too. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as Error).message === 'string') {
    return (error as Error).message;
  }
  try {
    return String(error);
  } catch {
    return 'an unprintable value';
  }
}
