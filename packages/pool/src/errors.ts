import { DynoError, hasCode } from '@dyno/core';

/** Why a pool turned a call away. */
export type PoolFullReason = 'queue-full' | 'max-wait';

/**
 * Raised by `Pool` when a call cannot run: every slot was busy and the queue was full
 * (`reason: 'queue-full'`), or the call waited in the queue longer than `maxWait`
 * (`reason: 'max-wait'`). Code `DYNO_POOL_FULL`.
 */
export class PoolFullError extends DynoError {
  /** `'queue-full'` when turned away at once, `'max-wait'` when the wait in the queue ran out. */
  readonly reason: PoolFullReason;

  constructor(reason: PoolFullReason, source: string, detail: string) {
    super('DYNO_POOL_FULL', `Pool ${JSON.stringify(source)} is full (${reason}): ${detail}`, {
      source,
    });
    this.reason = reason;
  }

  /** True for a `PoolFullError` from any loaded copy of `@dyno/pool`. */
  static override isInstance(value: unknown): value is PoolFullError {
    return hasCode(value, 'DYNO_POOL_FULL');
  }
}

/**
 * Raised when a task does not settle within its timeout (`Timeout`, or a `Pool` with a
 * `timeout`). It is also the `reason` of the task's aborted `signal`. Code `DYNO_TIMEOUT`.
 */
export class TimeoutError extends DynoError {
  /** The timeout that passed, in ms. */
  readonly timeout: number;

  constructor(timeout: number, source: string) {
    super('DYNO_TIMEOUT', `${JSON.stringify(source)} timed out after ${timeout} ms`, { source });
    this.timeout = timeout;
  }

  /** True for a `TimeoutError` from any loaded copy of `@dyno/pool`. */
  static override isInstance(value: unknown): value is TimeoutError {
    return hasCode(value, 'DYNO_TIMEOUT');
  }
}

/**
 * Raised by `RateLimiter` when no token is free and waiting for one is not allowed or would take
 * longer than `maxWait`. Code `DYNO_RATE_LIMITED`.
 */
export class RateLimitedError extends DynoError {
  /** How long, in ms, until a token is free for this caller (ignoring later arrivals). */
  readonly retryAfter: number;

  constructor(retryAfter: number, source: string) {
    super(
      'DYNO_RATE_LIMITED',
      `${JSON.stringify(source)} is rate limited; retry after ${Math.ceil(retryAfter)} ms`,
      { source },
    );
    this.retryAfter = retryAfter;
  }

  /** True for a `RateLimitedError` from any loaded copy of `@dyno/pool`. */
  static override isInstance(value: unknown): value is RateLimitedError {
    return hasCode(value, 'DYNO_RATE_LIMITED');
  }
}
