import { type Clock, is, type Rules, systemClock } from '@dyno/core';

/** Options of `Pool`. */
export interface PoolOptions {
  /**
   * How many calls run at once.
   * @default 10 (Hystrix)
   */
  readonly concurrency?: number;
  /**
   * How many calls may wait for a slot; `Infinity` for no limit. With `0` a call that finds
   * every slot busy is rejected at once.
   * @default 0
   */
  readonly queue?: number;
  /**
   * The longest a call waits in the queue, in ms, before it is rejected with
   * `PoolFullError` (`reason: 'max-wait'`); `false` for no limit.
   * @default false
   */
  readonly maxWait?: number | false;
  /**
   * A timeout per task, in ms, from the moment it starts: the caller is released with
   * `TimeoutError` and the task's `signal` aborted; the slot stays taken until the task really
   * settles. `false` for none.
   * @default false
   */
  readonly timeout?: number | false;
  /**
   * The instance name used in events and errors.
   * @default "pool#<n>"
   */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** The defaults of `PoolOptions` (`name` is generated per instance when left out). */
export const DEFAULT_POOL_OPTIONS: Readonly<Required<Omit<PoolOptions, 'name'>>> = Object.freeze({
  concurrency: 10,
  queue: 0,
  maxWait: false,
  timeout: false,
  clock: systemClock,
});

/** Options of `Timeout`. */
export interface TimeoutOptions {
  /**
   * How long a task may run, in ms, before the caller is released with `TimeoutError`.
   * @default 1000 (Hystrix)
   */
  readonly timeout?: number;
  /**
   * The instance name used in events and errors.
   * @default "timeout#<n>"
   */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** The defaults of `TimeoutOptions` (`name` is generated per instance when left out). */
export const DEFAULT_TIMEOUT_OPTIONS: Readonly<Required<Omit<TimeoutOptions, 'name'>>> =
  Object.freeze({ timeout: 1000, clock: systemClock });

/** Options of `RateLimiter`. */
export interface RateLimiterOptions {
  /**
   * Tokens added per `interval` (may be fractional: `0.5` per second is one every 2 s).
   * @default 10
   */
  readonly rate?: number;
  /**
   * The period `rate` is counted over, in ms.
   * @default 1000
   */
  readonly interval?: number;
  /**
   * The most tokens the bucket holds, so the most calls let through at once after a quiet
   * period.
   * @default rate rounded up (at least 1)
   */
  readonly burst?: number;
  /**
   * How long a call may wait for a token, in ms. `0` rejects at once with `RateLimitedError`;
   * a call whose wait would be longer than this is rejected at once too.
   * @default 0
   */
  readonly maxWait?: number;
  /**
   * The instance name used in events and errors.
   * @default "rate-limiter#<n>"
   */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** The defaults of `RateLimiterOptions` (`burst` follows `rate`; `name` is generated). */
export const DEFAULT_RATE_LIMITER_OPTIONS: Readonly<
  Required<Omit<RateLimiterOptions, 'name' | 'burst'>>
> = Object.freeze({ rate: 10, interval: 1000, maxWait: 0, clock: systemClock });

const positiveDuration = is.duration(0, true);
const noLimit = is.oneOf(false);

/** @internal */
export const POOL_RULES: Rules<PoolOptions> = {
  concurrency: is.integer(1, 2 ** 31 - 1),
  queue: is.either(is.integer(0), is.oneOf(Number.POSITIVE_INFINITY)),
  maxWait: is.either(positiveDuration, noLimit),
  timeout: is.either(positiveDuration, noLimit),
  name: is.string,
  clock: is.clock,
};

/** @internal */
export const TIMEOUT_RULES: Rules<TimeoutOptions> = {
  timeout: positiveDuration,
  name: is.string,
  clock: is.clock,
};

/** @internal */
export const RATE_LIMITER_RULES: Rules<RateLimiterOptions> = {
  rate: is.number(0, 1e9, true),
  interval: positiveDuration,
  burst: is.integer(1, 1e9),
  maxWait: is.duration(),
  name: is.string,
  clock: is.clock,
};
