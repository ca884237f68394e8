import { CircuitBreaker } from '@dyno/breaker';
import { type Clock, type Disposable, defaultName, resolveOptions, systemClock } from '@dyno/core';
import { Metrics, type MetricsOptions } from '@dyno/metrics';
import { Pool, type PoolOptions, Timeout } from '@dyno/pool';
import { Retry, type RetryOptions } from '@dyno/retry';
import { isPolicy, SERVICE_RULES, type ServiceOptions } from '../options.js';
import { EntryClock } from './entry-clock.js';
import { isRejection } from './outcome.js';

const PKG = '@dyno/service';

/** The parts of one service, built or shared, and what the service must dispose. */
export interface Parts {
  readonly name: string;
  readonly clock: EntryClock;
  readonly retry: Retry | undefined;
  readonly breaker: CircuitBreaker | undefined;
  /** The breaker reads `clock` (built here without a clock of its own): readings may be shared. */
  readonly breakerOnClock: boolean;
  readonly pool: Pool | undefined;
  /** A separate deadline layer (when the pool cannot carry the timeout itself). */
  readonly timeoutLayer: Timeout | undefined;
  /** The deadline per attempt in ms, wherever it lives, or `false`. */
  readonly timeout: number | false;
  /** The `source` of the `TimeoutError`s this service's own deadline raises. */
  readonly timeoutSource: string | undefined;
  readonly metrics: Metrics | undefined;
  readonly hasFallback: boolean;
  readonly fallback: unknown;
  /** Subscriptions and parts built here: disposed with the service. */
  readonly owned: Disposable[];
}

type Opts = ServiceOptions<unknown[], unknown>;

/**
 * Validates the options and builds every part, in an order where a throw leaves nothing behind:
 * parts hold no timer or resource until they are used, and subscriptions are made last.
 */
export function buildParts(defaultFnName: string | undefined, options: unknown): Parts {
  const o = resolveOptions<Opts>(PKG, options, SERVICE_RULES, {});
  const name = o.name ?? (defaultFnName || defaultName('service'));
  const clock = new EntryClock(o.clock ?? systemClock);
  const base = { name, clock };

  const breaker =
    o.breaker === false
      ? undefined
      : isPolicy(o.breaker)
        ? (o.breaker as CircuitBreaker)
        : new CircuitBreaker({ ...base, ...(o.breaker as object) });
  const retry =
    o.retry === false
      ? undefined
      : isPolicy(o.retry)
        ? (o.retry as Retry)
        : buildRetry(base, (o.retry ?? { attempts: 3 }) as RetryOptions, breaker);
  const { pool, timeoutLayer, timeout } = buildPoolAndTimeout(base, o);
  const metrics =
    o.metrics === false
      ? undefined
      : isMetrics(o.metrics)
        ? o.metrics
        : new Metrics({ ...base, ...(o.metrics as MetricsOptions | undefined) });

  const owned: Disposable[] = [];
  if (pool !== undefined && pool !== o.pool) owned.push(pool);
  if (metrics !== undefined && metrics !== o.metrics) {
    owned.push(metrics);
  }
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
  return {
    name,
    clock,
    retry,
    breaker,
    breakerOnClock:
      breaker !== undefined &&
      !isPolicy(o.breaker) &&
      (o.breaker as { clock?: unknown } | undefined)?.clock === undefined,
    pool,
    timeoutLayer,
    timeout,
    timeoutSource: timeoutLayer?.name ?? (pool?.timeout !== false ? pool?.name : undefined),
    metrics,
    hasFallback: o.fallback !== undefined,
    fallback: o.fallback,
    owned,
  };
}

function buildRetry(
  base: { name: string; clock: Clock },
  given: RetryOptions,
  breaker: CircuitBreaker | undefined,
): Retry {
  const user = given.isRetryable;
  if (user !== undefined && typeof user !== 'function') return new Retry({ ...base, ...given });
  // A call its breaker short-circuited or its pool turned away would meet the same refusal at
  // once: retrying it only spins. An error the breaker's `isFailure` says is not a failure (a
  // 404, a validation error) is an answer, not a fault: retrying it cannot help. Everything
  // else is retried as the options say. Given as `isRetryable`, which judges errors only, so a
  // success is never judged at all (and a `shouldRetry` of the caller's keeps its meaning).
  const isRetryable = (error: unknown, attempt: number): boolean => {
    if (isRejection(error)) return false;
    if (breaker !== undefined && !breaker.countsAsFailure(error)) return false;
    return user === undefined || user(error, attempt);
  };
  return new Retry({ ...base, ...given, isRetryable });
}

function buildPoolAndTimeout(
  base: { name: string; clock: Clock },
  o: Opts,
): { pool: Pool | undefined; timeoutLayer: Timeout | undefined; timeout: number | false } {
  const t = o.timeout;
  if (isPolicy(t)) {
    const layer = t as Timeout;
    const pool = o.pool === false ? undefined : isPolicy(o.pool) ? (o.pool as Pool) : undefined;
    return {
      pool: pool ?? (o.pool === false ? undefined : new Pool({ ...base, ...(o.pool as object) })),
      timeoutLayer: layer,
      timeout: layer.timeout,
    };
  }
  if (o.pool === false) {
    const ms = t ?? 1000;
    return {
      pool: undefined,
      timeoutLayer: ms === false ? undefined : new Timeout({ ...base, timeout: ms }),
      timeout: ms,
    };
  }
  if (isPolicy(o.pool)) {
    const pool = o.pool as Pool;
    // a shared pool with its own deadline needs no second one unless asked for
    const ms = t ?? (pool.timeout !== false ? false : 1000);
    return {
      pool,
      timeoutLayer: ms === false ? undefined : new Timeout({ ...base, timeout: ms }),
      timeout: ms === false ? pool.timeout : ms,
    };
  }
  const given = (o.pool ?? {}) as PoolOptions;
  if (given.timeout !== undefined && t !== undefined) {
    throw new TypeError(
      `${PKG}: give the timeout once, as option \`timeout\` or as \`pool.timeout\`; received both`,
    );
  }
  // the pool carries the deadline itself, so a timed-out attempt keeps its slot until it settles
  const pool = new Pool({ ...base, ...given, timeout: given.timeout ?? t ?? 1000 });
  return { pool, timeoutLayer: undefined, timeout: pool.timeout };
}

function isMetrics(value: unknown): value is Metrics {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Metrics).record === 'function' &&
    typeof (value as Metrics).begin === 'function'
  );
}
