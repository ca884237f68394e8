import { type Clock, is, type Rule, type Rules, systemClock } from '@dyno/core';
import type { Redis } from 'ioredis';

/** What the limiter does with a decision Redis could not make in time. */
export type WhenUnavailable = 'local' | 'allow' | 'refuse';

/** When to stop asking an unreachable Redis for a while. */
export interface RedisRateCircuitOptions {
  /**
   * Failed or late decisions in a row after which Redis is skipped.
   * @default 3
   */
  readonly failures?: number;
  /**
   * How long Redis is skipped, in ms, before one decision tries it again.
   * @default 5000
   */
  readonly cooldown?: number;
}

/** Options of `RedisRateLimiter`. */
export interface RedisRateLimiterOptions {
  /** The ioredis client (required). The limiter never closes it. */
  readonly client: Redis;
  /**
   * Admissions per `interval` for each key, over the whole fleet (may be fractional).
   * @default 10
   */
  readonly rate?: number;
  /**
   * The period `rate` is counted over, in ms.
   * @default 1000
   */
  readonly interval?: number;
  /**
   * The most admissions at once after a quiet period, per key.
   * @default rate rounded up (at least 1)
   */
  readonly burst?: number;
  /**
   * How long a call may wait for its turn, in ms; `0` rejects at once with `RateLimitedError`.
   * @default 0
   */
  readonly maxWait?: number;
  /**
   * Put in front of every key in Redis.
   * @default "dyno:rate:"
   */
  readonly prefix?: string;
  /**
   * The longest a decision waits for Redis, in ms; then `whenUnavailable` decides that call.
   * @default 250
   */
  readonly timeout?: number;
  /**
   * What decides while Redis is down, slow or skipped: `'local'` a limiter in this process at
   * `rate / processes` (and `burst / processes`, at least 1), `'allow'` admits every call (fail
   * open), `'refuse'` rejects every call with `RedisUnavailableError` (fail closed).
   * @default "local"
   */
  readonly whenUnavailable?: WhenUnavailable;
  /**
   * How many processes share the limit, for the `'local'` fallback's share of `rate`.
   * @default 1
   */
  readonly processes?: number;
  /**
   * Skip Redis for `cooldown` ms after `failures` failed decisions in a row; `false` asks Redis
   * on every call (each waiting up to `timeout`).
   * @default { failures: 3, cooldown: 5000 }
   */
  readonly circuit?: RedisRateCircuitOptions | false;
  /**
   * The instance name used in events and errors.
   * @default "redis-rate-limiter#<n>"
   */
  readonly name?: string;
  /**
   * Times the decision timeout, waits and the local fallback (Redis decides on its own time).
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** Options of one `acquire` or `execute` call. */
export interface RedisRateLimitOptions {
  /**
   * The key limited (a tenant, a user, a route); each key has its own `rate` and `burst`.
   * @default "default"
   */
  readonly key?: string;
  /** Cancels the call (while it waits for Redis or for its turn). */
  readonly signal?: AbortSignal | undefined;
}

/** The defaults of `RedisRateLimiter`'s options (`client` has none; `burst` follows `rate`). */
export const DEFAULT_REDIS_RATE_LIMITER_OPTIONS: Readonly<{
  rate: number;
  interval: number;
  maxWait: number;
  prefix: string;
  timeout: number;
  whenUnavailable: WhenUnavailable;
  processes: number;
  circuit: RedisRateCircuitOptions | false;
  clock: Clock;
}> = Object.freeze({
  rate: 10,
  interval: 1000,
  maxWait: 0,
  prefix: 'dyno:rate:',
  timeout: 250,
  whenUnavailable: 'local' as WhenUnavailable,
  processes: 1,
  circuit: Object.freeze({ failures: 3, cooldown: 5000 }) as RedisRateCircuitOptions | false,
  clock: systemClock as Clock,
});

/** The defaults of the circuit, used when `circuit` leaves a field out. */
export const DEFAULT_REDIS_RATE_CIRCUIT_OPTIONS: Readonly<Required<RedisRateCircuitOptions>> =
  Object.freeze({ failures: 3, cooldown: 5000 });

const clientRule: Rule = Object.freeze({
  expected: 'an ioredis client',
  test(v: unknown) {
    if (typeof v !== 'object' || v === null) return 'type';
    const c = v as Record<string, unknown>;
    return ['evalsha', 'eval'].every((k) => typeof c[k] === 'function') ? undefined : 'type';
  },
});

// a lone surrogate (a string cut inside an emoji, say) reaches Redis as U+FFFD in UTF-8, so keys
// that differ only there would share one limit
const keyPart: Rule = Object.freeze({
  expected: 'a non-empty string without a lone surrogate',
  test: (v: unknown) => {
    if (typeof v !== 'string') return 'type';
    return v.length > 0 && v.isWellFormed() ? undefined : 'range';
  },
});

/** @internal */
export const RATE_RULES: Rules<RedisRateLimiterOptions> = Object.freeze({
  client: clientRule,
  rate: is.number(0, 1e9, true),
  interval: is.duration(0, true),
  burst: is.integer(1, 1e9),
  maxWait: is.duration(),
  prefix: keyPart,
  timeout: is.duration(0, true),
  whenUnavailable: is.oneOf('local', 'allow', 'refuse'),
  processes: is.integer(1, 1e6),
  circuit: is.either(is.oneOf(false), is.object),
  name: is.string,
  clock: is.clock,
});

/** @internal */
export const RATE_CIRCUIT_RULES: Rules<RedisRateCircuitOptions> = Object.freeze({
  failures: is.integer(1, 2 ** 31 - 1),
  cooldown: is.duration(0, true),
});

/** @internal */
export const CALL_RULES: Rules<RedisRateLimitOptions> = Object.freeze({
  key: keyPart,
  signal: is.signal,
});
