import { CircuitBreaker } from '@dyno/breaker';
import {
  type Clock,
  copyInheritedOptions,
  type Disposable,
  defaultName,
  type EventEmitter,
  resolveOptions,
  steadyClock,
  systemClock,
  withDefaults,
} from '@dyno/core';
import { Metrics, type MetricsOptions } from '@dyno/metrics';
import { Pool, type PoolOptions, Timeout } from '@dyno/pool';
import { Retry, type RetryOptions } from '@dyno/retry';
import type { FallbackEvent } from '../events.js';
import { isPolicy, SERVICE_RULES, type ServiceOptions } from '../options.js';
import { EntryClock } from './entry-clock.js';
import { isRejection, PredicateThrew } from './outcome.js';

const PKG = '@dyno/service';
const PARTS = ['retry', 'breaker', 'pool', 'metrics'] as const;

/** The options of `pool.execute` with a per-call deadline (the pool's `timeout` for that call). */
export interface PoolCallOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeout?: number | false | undefined;
}

/** The parts of one service, built or shared, and what the service must dispose. */
export interface Parts {
  readonly name: string;
  readonly clock: EntryClock;
  readonly retry: Retry | undefined;
  /** The Retry was built here: its `isRetryable` rethrows a `PredicateThrew`'s value. */
  readonly retryBuilt: boolean;
  readonly breaker: CircuitBreaker | undefined;
  /** The breaker reads `clock` (built here without a clock of its own): readings may be shared. */
  readonly breakerOnClock: boolean;
  readonly pool: Pool | undefined;
  /** A per-call deadline the pool applies (a shared pool with the service's `timeout`). */
  readonly poolTimeout: number | undefined;
  /** What the pool's `execute` gets for a call without a signal. */
  readonly poolOptions: PoolCallOptions | undefined;
  /** A deadline layer of its own, only when there is no pool. */
  readonly timeoutLayer: Timeout | undefined;
  /** The deadline per attempt in ms, wherever it lives, or `false`. */
  readonly timeout: number | false;
  /** The `source` of the `TimeoutError`s this service's own deadline raises. */
  readonly timeoutSource: string | undefined;
  readonly metrics: Metrics | undefined;
  readonly hasFallback: boolean;
  readonly fallback: unknown;
  readonly fallbackOn: ((error: unknown) => boolean) | undefined;
  readonly onFallback: EventEmitter<FallbackEvent>;
  /** Subscriptions, and the metrics built here: disposed with the service. */
  readonly owned: Disposable[];
}

type Opts = ServiceOptions<unknown[], unknown>;
type Base = { name: string; clock: Clock };

/** A service's validated options: what its parts are built from at the first call. */
export interface Plan {
  readonly name: string;
  readonly options: Opts;
  /**
   * A retry, breaker or pool was given, not built here: build at once, since a shared part's
   * events (a shared pool's other tasks) are observed from the service's construction on.
   */
  readonly shared: boolean;
}

/**
 * Validates the options. Each part's options are checked where they always are, by its own
 * constructor: the parts are built once here and dropped (they hold no timer or resource until
 * used, and nothing is subscribed to them), so a bad option throws from `service()`, while an
 * idle service keeps only its options (decision 89).
 */
export function planParts(defaultFnName: string | undefined, options: unknown): Plan {
  const given = resolveOptions<Opts>(PKG, options, SERVICE_RULES, {});
  // the parts' own options are copied (shared instances and `fallback`, the caller's value, kept);
  // only those given, so that an idle service without options holds no more than before
  const o: Opts = { ...given };
  const copies = o as Record<string, unknown>;
  for (const part of PARTS) if (copies[part] !== undefined) copies[part] = ownCopy(copies[part]);
  const name = o.name ?? (defaultFnName || defaultName('service'));
  const shared = isPolicy(o.retry) || isPolicy(o.breaker) || isPolicy(o.pool);
  const plan = { name, options: o, shared };
  if (!shared) constructParts(plan);
  return plan;
}

/** Builds the parts for the first call, and subscribes the metrics to them (made last). */
export function buildParts(plan: Plan, onFallback: EventEmitter<FallbackEvent>): Parts {
  const { clock, retry, retryBuilt, breaker, deadline, metrics } = constructParts(plan);
  const { pool } = deadline;
  const o = plan.options;
  // A pool built here is not among them: calls under way at `dispose()` (queued, or waiting to
  // retry) still go through it and end as they would have, and an idle pool holds no timer and
  // no listener, so there is nothing to release. Disposing it refused them (decision 107).
  const owned: Disposable[] = [];
  if (metrics !== undefined && metrics !== o.metrics) owned.push(metrics);
  if (metrics !== undefined) {
    // state and gauges only: outcomes come from the service's own records, never twice
    if (breaker !== undefined) owned.unshift(metrics.observe(breaker));
    // every task of a pool built here is an attempt that calls `begin()` as it starts, so the
    // metrics read the pool's starts there rather than listening to each one
    if (pool !== undefined) {
      const poolStarts = pool === o.pool ? 'events' : 'begin';
      owned.unshift(metrics.observe(pool, { poolStarts }));
    }
    if (retry !== undefined) owned.unshift(metrics.observe(retry));
  }
  // one literal with every field (no spread), so every service's parts share one hidden class
  return {
    name: plan.name,
    clock,
    retry,
    retryBuilt,
    breaker,
    breakerOnClock:
      breaker !== undefined &&
      !isPolicy(o.breaker) &&
      (o.breaker as { clock?: unknown } | undefined)?.clock === undefined,
    pool,
    poolTimeout: deadline.poolTimeout,
    poolOptions: deadline.poolOptions,
    timeoutLayer: deadline.timeoutLayer,
    timeout: deadline.timeout,
    timeoutSource: deadline.timeoutSource,
    metrics,
    hasFallback: o.fallback !== undefined,
    fallback: o.fallback,
    fallbackOn: o.fallbackOn,
    onFallback,
    // a copy of its exact length (grown by `push`, it keeps room for 17: about 110 bytes)
    owned: owned.slice(),
  };
}

/** Builds (or takes the shared) parts, unsubscribed; a throw leaves nothing behind. */
function constructParts(plan: Plan) {
  const { name, options: o } = plan;
  // made steady once here (a reading that throws, is no finite number or steps back counts as no
  // time passed); the parts keep it as it is rather than each wrapping it again
  const clock = new EntryClock(steadyClock(o.clock ?? systemClock, PKG, name));
  const base = { name, clock };
  const breaker =
    o.breaker === false
      ? undefined
      : isPolicy(o.breaker)
        ? (o.breaker as CircuitBreaker)
        : new CircuitBreaker(withDefaults(base, o.breaker as object | undefined));
  const retryBuilt = o.retry !== false && !isPolicy(o.retry);
  const retry =
    o.retry === false
      ? undefined
      : retryBuilt
        ? buildRetry(base, (o.retry ?? { attempts: 3 }) as RetryOptions, o.fallback !== undefined)
        : (o.retry as Retry);
  const deadline = buildPoolAndTimeout(base, o);
  const metrics =
    o.metrics === false
      ? undefined
      : isMetrics(o.metrics)
        ? o.metrics
        : new Metrics(withDefaults(base, o.metrics as MetricsOptions | undefined));
  return { clock, retry, retryBuilt, breaker, deadline, metrics };
}

/**
 * A Retry built here retries what its options say, except: a refusal (its breaker's or its
 * pool's, or any other: a refused call would meet the same refusal at once, so retrying it only
 * spins), and an attempt whose judging threw in a predicate of the user's (rethrown, so the call
 * rejects with it). Given as `isRetryable`, which judges errors only, so a success is never judged
 * at all (and a `shouldRetry` of the caller's keeps its meaning). With a fallback, what the
 * user's `isRetryable` or `shouldRetry` throws comes out of Retry in a `PredicateThrew`, so the
 * fallback can tell a bug in a predicate (rethrown as itself) from the call's failure.
 */
function buildRetry(base: Base, given: RetryOptions, hasFallback: boolean): Retry {
  const user = given.isRetryable;
  const should = given.shouldRetry;
  // a wrong kind is for Retry's own validation to report
  const wrongKind = [user, should].some((f) => f !== undefined && typeof f !== 'function');
  if (wrongKind) return new Retry(withDefaults(base, given));
  const judge = hasFallback && user !== undefined ? marked(user) : user;
  const isRetryable = (error: unknown, attempt: number): boolean => {
    if (error instanceof PredicateThrew) throw error.thrown;
    if (isRejection(error)) return false;
    return judge === undefined || judge(error, attempt);
  };
  const shouldRetry = hasFallback && should !== undefined ? marked(should) : should;
  return new Retry(withDefaults(base, given, { isRetryable, shouldRetry }));
}

/** `predicate`, throwing what it throws inside a `PredicateThrew`. */
function marked<O, R>(
  predicate: (value: O, attempt: number) => R,
): (value: O, attempt: number) => R {
  return (value, attempt) => {
    try {
      return predicate(value, attempt);
    } catch (thrown) {
      throw new PredicateThrew(thrown);
    }
  };
}

type Deadline = Pick<
  Parts,
  'pool' | 'poolTimeout' | 'poolOptions' | 'timeoutLayer' | 'timeout' | 'timeoutSource'
>;

/**
 * Where the deadline lives. With a pool, always in the pool, so a timed-out attempt holds its
 * slot by the pool's rules however the options are written (a `Timeout` layer inside the pool
 * would free the slot at the deadline while `fn` runs on): the pool's own `timeout` for a pool
 * built here, a per-call deadline on a shared one. Without a pool, a `Timeout` layer.
 */
function buildPoolAndTimeout(base: Base, o: Opts): Deadline {
  const t = o.timeout;
  // a Timeout instance stands for its duration wherever a pool applies the deadline
  const ms = isPolicy(t) ? (t as Timeout).timeout : t;
  if (o.pool === false) {
    const layer = isPolicy(t)
      ? (t as Timeout)
      : (ms ?? 1000) === false
        ? undefined
        : new Timeout({ ...base, timeout: (ms ?? 1000) as number });
    return {
      pool: undefined,
      poolTimeout: undefined,
      poolOptions: undefined,
      timeoutLayer: layer,
      timeout: layer === undefined ? false : layer.timeout,
      timeoutSource: layer?.name,
    };
  }
  if (isPolicy(o.pool)) {
    const pool = o.pool as Pool;
    // a shared pool with its own deadline needs no other unless asked for; `false` adds none
    const own = pool.timeout;
    const perCall = ms === undefined ? (own === false ? 1000 : undefined) : ms || undefined;
    const timeout = perCall ?? own;
    return {
      pool,
      poolTimeout: perCall,
      poolOptions: perCall === undefined ? undefined : Object.freeze({ timeout: perCall }),
      timeoutLayer: undefined,
      timeout,
      timeoutSource: timeout === false ? undefined : pool.name,
    };
  }
  const given = (o.pool ?? {}) as PoolOptions;
  if (given.timeout !== undefined && t !== undefined) {
    throw new TypeError(
      `${PKG}: give the timeout once, as option \`timeout\` or as \`pool.timeout\`; received both`,
    );
  }
  // every hung attempt's slot comes back after its grace, uncapped unless the options cap it: a
  // cap makes the pool refuse everything for good once that many calls hang forever, and then
  // no half-open probe can reach a recovered dependency; the breaker, which counts timeouts,
  // bounds how many calls a hung dependency is sent (decision in docs/decisions.md)
  const pool = new Pool(
    withDefaults({ ...base, maxAbandoned: Number.POSITIVE_INFINITY }, given, {
      timeout: given.timeout ?? ms ?? 1000,
    }),
  );
  return {
    pool,
    poolTimeout: undefined,
    poolOptions: undefined,
    timeoutLayer: undefined,
    timeout: pool.timeout,
    timeoutSource: pool.timeout === false ? undefined : pool.name,
  };
}

/**
 * Options of a part to build, copied, with what they inherit (see `copyInheritedOptions`); a
 * shared part (a policy, a `Metrics`) as itself.
 */
function ownCopy<T>(value: T): T {
  return isPolicy(value) || isMetrics(value) ? value : copyInheritedOptions(value);
}

function isMetrics(value: unknown): value is Metrics {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Metrics).record === 'function' &&
    typeof (value as Metrics).begin === 'function'
  );
}
