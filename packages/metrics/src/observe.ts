import { type Disposable, format, is, validate } from '@dyno/core';
import * as C from './internal/cache-counts.js';
import { durationOf } from './internal/checks.js';
import type { Sink } from './internal/sink.js';
import {
  CIRCUIT_OPENED,
  FAILURE,
  POOL_REJECTED,
  REJECTED,
  RETRIES,
  SHORT_CIRCUITED,
  SUCCESS,
  slotOf,
} from './internal/slots.js';
import { Observation } from './internal/subscriptions.js';
import {
  bindFleetCircuit,
  bindRateLimiter,
  type ObservableFleetCircuit,
  type ObservableRateLimiter,
} from './observe-fleet.js';
import { bindHedge, bindHttp, type ObservableHedge, type ObservableHttp } from './observe-http.js';
import { bindShedder, type ObservableShedder } from './observe-shed.js';
import type {
  ObservableBreaker,
  ObservableCache,
  ObservableCacheStore,
  ObservablePool,
  ObservableRetry,
} from './observe-types.js';
import type { Outcome } from './outcome.js';

/** Anything `Metrics.observe` accepts. */
export type ObservableSource =
  | ObservableBreaker
  | ObservablePool
  | ObservableRetry
  | ObservableCache
  | ObservableHttp
  | ObservableHedge
  | ObservableRateLimiter
  | ObservableFleetCircuit
  | ObservableShedder;

/** Options of `Metrics.observe`. */
export interface ObserveOptions {
  /**
   * Also count the source's own outcome events (breaker: success, failure, short-circuited;
   * pool: success, failure, timeout, rejected) as if `record` had been called. Leave it off when
   * something else (such as `@dyno/service`) already calls `record` for the same calls, or every
   * call is counted twice.
   * @default false
   */
  readonly outcomes?: boolean;
  /**
   * For a pool: how its task starts (the Hystrix "executed" count and rolling max active) are
   * learnt. `'events'` listens to `onStart`. `'begin'` reads `started` and `active` from the pool
   * at each `begin()` and snapshot instead, with no listener call per task: for a pool whose
   * every task calls `begin()` as it starts, as `@dyno/service` does with the pool it builds.
   * Starts of other tasks are then counted at the next `begin()` or snapshot. One pool per
   * `Metrics` is read so: another observed with `'begin'` is listened to, as with `'events'`.
   * @default 'events'
   */
  readonly poolStarts?: 'events' | 'begin';
}

const OPTION_RULES = { outcomes: is.boolean, poolStarts: is.oneOf('events', 'begin') };

const isObject = (v: unknown): v is Record<string, unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null;

/**
 * Subscribes `sink` to `source`'s events; the result unsubscribes. When subscribing throws
 * partway (a source whose `onReject` throws after `onStart` took a listener), the error goes to
 * the caller and nothing is left behind: no listener on the source, no gauge read from it.
 */
export function bind(
  sink: Sink,
  source: unknown,
  options: ObserveOptions | undefined,
): Observation {
  const { outcomes = false, poolStarts = 'events' } = validate<ObserveOptions>(
    '@dyno/metrics',
    options,
    OPTION_RULES,
  );
  if (!isObject(source) || typeof source.name !== 'string') return notObservable(source);
  const observation = new Observation(sink, source);
  const subs: Disposable[] = [];
  try {
    subscribe(observation, source, { outcomes, poolStarts }, subs);
  } catch (error) {
    // what was subscribed goes, and the source is forgotten (no gauge read from it)
    observation.hold(subs).dispose();
    throw error;
  }
  return observation.hold(subs);
}

/** Subscribes `sink` to what `source` is, pushing each subscription into `subs` as it is made. */
function subscribe(
  sink: Sink,
  source: Record<string, unknown>,
  { outcomes, poolStarts }: Required<ObserveOptions>,
  subs: Disposable[],
): void {
  if (typeof source.onStart === 'function' && typeof source.onSettle === 'function') {
    bindPool(sink, source as unknown as ObservablePool, { outcomes, poolStarts }, subs);
  } else if (typeof source.onStateChange === 'function' && 'state' in source) {
    bindBreaker(sink, source as unknown as ObservableBreaker, { outcomes }, subs);
  } else if (typeof source.onHit === 'function' && typeof source.onMiss === 'function') {
    bindCache(sink, source as unknown as ObservableCache, subs);
  } else if (typeof source.onDecision === 'function') {
    bindRateLimiter(sink, source as unknown as ObservableRateLimiter, subs);
  } else if (typeof source.onView === 'function' && isObject(source.view)) {
    bindFleetCircuit(sink, source as unknown as ObservableFleetCircuit, subs);
  } else if (typeof source.onAdmit === 'function' && typeof source.onShed === 'function') {
    bindShedder(sink, source as unknown as ObservableShedder, subs);
  } else if (typeof source.onHedge === 'function' && typeof source.onWin === 'function') {
    bindHedge(sink, source as unknown as ObservableHedge, subs);
  } else if (typeof source.onResponse === 'function') {
    bindHttp(sink, source as unknown as ObservableHttp, subs);
  } else if (typeof source.onRetry === 'function') {
    const retry = source as unknown as ObservableRetry;
    subs.push(retry.onRetry(() => sink.count(RETRIES)));
  } else {
    notObservable(source);
  }
}

/**
 * Counts `pool`'s task starts (and its rolling max active) and refusals; with `outcomes`, also
 * its settled tasks and refusals as outcomes. Its gauges are read at snapshot time.
 */
function bindPool(
  sink: Sink,
  pool: ObservablePool,
  { outcomes, poolStarts }: Required<ObserveOptions>,
  subs: Disposable[],
): void {
  const readStarts = poolStarts === 'begin';
  if (readStarts && typeof pool.started !== 'number') {
    throw new TypeError(
      `@dyno/metrics: a pool observed with \`poolStarts: 'begin'\` must have a numeric \`started\`; received ${format(pool.started)}`,
    );
  }
  const startsRead = sink.setPool(pool, readStarts);
  // The max active only rises when a task starts, so `onSettle` is needed only for outcomes: a
  // pool with a settle listener must time every task, which is most of what observing would cost.
  // With `'begin'` the starts are read at the next `begin()`: no listener call per task (an event
  // object and a dispatch; decision 95 measured it at 15 % of the composed bench row).
  if (!startsRead) subs.push(pool.onStart((e) => sink.poolStarted(e.active)));
  subs.push(
    pool.onReject(() => {
      sink.count(POOL_REJECTED);
      if (outcomes) sink.countOutcome(REJECTED, undefined);
    }),
  );
  if (!outcomes) return;
  subs.push(
    pool.onSettle((e) => {
      // 'cancelled' is no outcome: the caller left, the dependency said nothing
      const slot = e.outcome === 'cancelled' ? undefined : slotOf(e.outcome as Outcome);
      if (slot !== undefined) sink.countOutcome(slot, durationOf(e.duration));
    }),
  );
}

/**
 * Counts how often `breaker` opened (its state is read at snapshot time); with `outcomes`, also
 * its successes, failures and short-circuits as outcomes.
 */
function bindBreaker(
  sink: Sink,
  breaker: ObservableBreaker,
  { outcomes }: { readonly outcomes: boolean },
  subs: Disposable[],
): void {
  sink.setBreaker(breaker);
  subs.push(breaker.onStateChange((e) => e.to === 'open' && sink.count(CIRCUIT_OPENED)));
  if (!outcomes) return;
  const { onSuccess, onFailure, onReject } = breaker;
  if (onSuccess) subs.push(onSuccess((e) => sink.countOutcome(SUCCESS, durationOf(e.duration))));
  if (onFailure) subs.push(onFailure((e) => sink.countOutcome(FAILURE, durationOf(e.duration))));
  if (onReject) subs.push(onReject(() => sink.countOutcome(SHORT_CIRCUITED, undefined)));
}

function bindCache(sink: Sink, cache: ObservableCache, subs: Disposable[]): void {
  sink.setCache(cache);
  subs.push(cache.onHit(() => sink.cacheFact(C.HIT)));
  subs.push(cache.onMiss(() => sink.cacheFact(C.MISS)));
  if (cache.onStale) subs.push(cache.onStale(() => sink.cacheFact(C.STALE)));
  if (cache.onRefresh) subs.push(cache.onRefresh(() => sink.cacheFact(C.REFRESH)));
  if (cache.onLoad) {
    subs.push(
      cache.onLoad((e) => {
        const slot =
          e.outcome === 'success'
            ? C.LOAD_SUCCESS
            : e.outcome === 'timeout'
              ? C.LOAD_TIMEOUT
              : C.LOAD_FAILURE;
        sink.cacheFact(slot, durationOf(e.duration) ?? 0);
      }),
    );
  }
  if (cache.onError)
    subs.push(cache.onError((e) => e.during === 'store' && sink.cacheFact(C.STORE_ERROR)));
  if (cache.onStoreCircuit) {
    subs.push(
      cache.onStoreCircuit((e) => e.state === 'open' && sink.cacheFact(C.STORE_CIRCUIT_OPENED)),
    );
  }
  bindCacheStore(sink, cache.store, subs);
}

/**
 * Counts what a two-tier store absorbs out of its cache's sight: the bus going down (the other
 * processes' writes meanwhile are lost to this one), bus messages it could not send or read,
 * and Redis reads it answered as misses (a cache store error the cache never hears of).
 */
function bindCacheStore(sink: Sink, store: unknown, subs: Disposable[]): void {
  if (!isObject(store)) return;
  const { onBusState, onError } = store as ObservableCacheStore;
  if (typeof onBusState === 'function') {
    subs.push(onBusState((e) => e.connected === false && sink.cacheFact(C.BUS_DROP)));
  }
  if (typeof onError !== 'function') return;
  subs.push(
    onError((e) => {
      if (e.during === 'read') sink.cacheFact(C.TIER_READ_ERROR);
      else if (BUS_FAILURES.has(e.during)) sink.cacheFact(C.BUS_ERROR);
    }),
  );
}

const BUS_FAILURES: ReadonlySet<string> = new Set(['publish', 'subscribe', 'message']);

function notObservable(source: unknown): never {
  throw new TypeError(
    `@dyno/metrics: observe() takes a breaker (name, state, onStateChange), a pool (name, active, queued, onStart, onReject, onSettle), a retry (name, onRetry), a cache (name, onHit, onMiss), an HTTP source (name, onResponse), a hedge (name, onHedge, onWin), a fleet rate limiter (name, onDecision), a fleet circuit (name, view, onView) or a load shedder (name, onAdmit, onShed); received ${format(source)}`,
  );
}
