import { type Clock, type ExecuteOptions, is, type Rules, systemClock } from '@dyno/core';
import type { AdaptiveLimit } from './adaptive.js';

/** Options of `Pool`. */
export interface PoolOptions {
  /**
   * How many calls run at once: a fixed integer, or an adaptive limit that moves with the
   * latency of the calls (`{ algorithm: 'gradient' }` or `{ algorithm: 'aimd' }`, see
   * `AdaptiveLimit`); read the current limit from `limit`.
   * @default 10 (Hystrix)
   */
  readonly concurrency?: number | AdaptiveLimit;
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
   * `TimeoutError` and the task's `signal` aborted; the slot stays taken until the task settles
   * or `abandonAfter` passes. `false` for none. A call can set its own (`execute`'s `timeout`).
   * @default false
   */
  readonly timeout?: number | false;
  /**
   * How long after its deadline a task that has not settled (it ignores its signal) keeps its
   * slot, in ms: then the slot is given back and the task is counted as abandoned (`abandoned`,
   * `onAbandon`); its late result or error is dropped. `0` gives the slot back at the deadline;
   * `false` keeps it until the task settles, however long. Applies to a task whose caller aborted
   * too (from the same deadline). Trade-off: the dependency may then see up to
   * `concurrency + maxAbandoned` calls at once.
   * @default the task's own timeout (a hung task holds its slot for at most twice its timeout)
   */
  readonly abandonAfter?: number | false;
  /**
   * The most abandoned tasks (slot given back, not settled yet) at once; while at this cap, a
   * task whose grace passes keeps its slot until it settles. `Infinity` for no cap (every hung
   * task's slot is given back: the pool never stays full, the dependency's load is unbounded).
   * @default concurrency (following `resize`)
   */
  readonly maxAbandoned?: number;
  /**
   * The instance name used in events and errors.
   * @default "pool#<n>"
   */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * The defaults of `PoolOptions` (`name` is generated per instance when left out; `abandonAfter`
 * follows each task's timeout and `maxAbandoned` the concurrency when left out).
 */
export const DEFAULT_POOL_OPTIONS: Readonly<
  Required<Omit<PoolOptions, 'name' | 'abandonAfter' | 'maxAbandoned'>>
> = Object.freeze({
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

/** Options of `Pool.execute`. */
export interface PoolExecuteOptions extends ExecuteOptions {
  /**
   * This call's timeout in ms, instead of the pool's `timeout` option, with the same rules
   * (`abandonAfter`, `maxAbandoned`); `false` for none.
   * @default the pool's `timeout`
   */
  readonly timeout?: number | false;
}

/** What `Pool.resize` changes. */
export interface PoolSize {
  /**
   * How many calls run at once (as the option): a number makes the pool fixed, an adaptive
   * limit starts adapting afresh from its `initial`.
   * @default unchanged
   */
  readonly concurrency?: number | AdaptiveLimit;
  /** How many calls may wait for a slot (as the option). @default unchanged */
  readonly queue?: number;
}

/** What `RateLimiter.reconfigure` changes (each as the option of the same name). */
export interface RateLimiterSettings {
  /** @default unchanged */
  readonly rate?: number;
  /** @default unchanged */
  readonly interval?: number;
  /** @default unchanged, or `rate` rounded up if `burst` was never given */
  readonly burst?: number;
  /** @default unchanged */
  readonly maxWait?: number;
}

const positiveDuration = is.duration(0, true);
const noLimit = is.oneOf(false);
const noCap = is.oneOf(Number.POSITIVE_INFINITY);
// an adaptive limit's own fields are checked by `resolveAdaptive`
const adaptiveLimit = Object.freeze({ ...is.object, expected: 'an adaptive limit object' });
const concurrency = is.either(is.integer(1, 2 ** 31 - 1), adaptiveLimit);
const queue = is.either(is.integer(0), noCap);

/** @internal */
export const TIMEOUT_RULE = is.either(positiveDuration, noLimit);

/** @internal */
export const POOL_RULES: Rules<PoolOptions> = {
  concurrency,
  queue,
  maxWait: is.either(positiveDuration, noLimit),
  timeout: TIMEOUT_RULE,
  abandonAfter: is.either(is.duration(), noLimit),
  maxAbandoned: is.either(is.integer(0), noCap),
  name: is.string,
  clock: is.clock,
};

/** @internal */
export const POOL_SIZE_RULES: Rules<PoolSize> = { concurrency, queue };

/** @internal */
export const TIMEOUT_RULES: Rules<TimeoutOptions> = {
  timeout: positiveDuration,
  name: is.string,
  clock: is.clock,
};

/** @internal */
export const RATE_LIMITER_SETTINGS_RULES: Rules<RateLimiterSettings> = {
  rate: is.number(0, 1e9, true),
  interval: positiveDuration,
  burst: is.integer(1, 1e9),
  maxWait: is.duration(),
};

/** @internal */
export const RATE_LIMITER_RULES: Rules<RateLimiterOptions> = {
  ...RATE_LIMITER_SETTINGS_RULES,
  name: is.string,
  clock: is.clock,
};
