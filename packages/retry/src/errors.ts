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
 * How many of the latest attempts a `CompoundError` keeps besides the first: with
 * `attempts: Infinity` a call can fail for days, and its record must not grow with it.
 * @internal
 */
export const KEPT_LAST_ATTEMPTS = 10;

// The marker is declared on an interface merged with the class, as `DynoError`'s is in core.
export interface CompoundError {
  readonly [DYNO_ERROR]: true;
}

/**
 * Raised when Retry gives up after two or more failed attempts (unless `throwLastError` is set;
 * a single failure reaches the caller as itself). An `AggregateError`: `errors` holds the
 * failures in order, `cause` is the last one, `attempts` the history. The record is bounded: the
 * first attempt and the last 10 are kept, so `errors` and `attempts` hold
 * at most 11 entries; `attemptCount` is how many attempts ran and `droppedCount` how many records
 * between the first and the last ten were left out. Counts as a `DynoError`
 * (`DynoError.isInstance`, `instanceof DynoError`).
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the marker is set on the prototype
export class CompoundError extends AggregateError implements DynoErrorLike {
  /** Always `DYNO_RETRY_EXHAUSTED`. */
  declare readonly code: string;
  /** The name of the Retry that gave up. */
  declare readonly source: string | undefined;
  /**
   * The history, oldest first: the first attempt and the last ten at most, each with what it
   * threw or returned, when it started, how long it ran and the wait after it.
   */
  readonly attempts: readonly AttemptRecord[];
  /** How many attempts ran in all: `attempts.length + droppedCount`. */
  readonly attemptCount: number;
  /** How many attempt records (and their errors) were left out between the first and the last ten. */
  readonly droppedCount: number;
  /** Why Retry stopped. */
  readonly reason: GiveUpReason;

  /**
   * `attempts` in order; `dropped` counts records already left out before them (after the
   * first). More than 11 records are cut down to the first and the last ten here too.
   */
  constructor(
    attempts: readonly AttemptRecord[],
    reason: GiveUpReason,
    options: { readonly source?: string | undefined; readonly dropped?: number | undefined } = {},
  ) {
    const kept =
      attempts.length > KEPT_LAST_ATTEMPTS + 1
        ? [attempts[0] as AttemptRecord, ...attempts.slice(-KEPT_LAST_ATTEMPTS)]
        : attempts.slice();
    const dropped = (options.dropped ?? 0) + attempts.length - kept.length;
    const errors = kept.filter((a) => a.failed).map((a) => a.error);
    const last = errors[errors.length - 1];
    const n = kept.length + dropped;
    super(
      errors,
      `Gave up after ${n} attempt${n === 1 ? '' : 's'} (${REASONS[reason]}): ${describe(last)}`,
      { cause: last },
    );
    this.name = new.target.name;
    this.attempts = Object.freeze(kept);
    this.attemptCount = n;
    this.droppedCount = dropped;
    this.reason = reason;
    markDynoError(this, 'DYNO_RETRY_EXHAUSTED', options.source);
  }

  /**
   * True when any attempt kept in the record (the first and the last ten) failed with an
   * instance of `type`. Uses `type.isInstance` when the class has one (every Dyno error does),
   * so it also recognises errors from another loaded copy of Dyno.
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
