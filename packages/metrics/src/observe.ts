import { type Disposable, type Event, format, is, toDisposable, validate } from '@dyno/core';
import {
  CIRCUIT_OPENED,
  FAILURE,
  POOL_REJECTED,
  REJECTED,
  RETRIES,
  SHORT_CIRCUITED,
  SUCCESS,
  TIMEOUT,
} from './internal/slots.js';

/** The states of a `@dyno/breaker` circuit. */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/** What `observe` needs of a circuit breaker (a `@dyno/breaker` `CircuitBreaker` fits). */
export interface ObservableBreaker {
  readonly name: string;
  readonly state: CircuitState | string;
  readonly onStateChange: Event<{
    readonly name: string;
    readonly from: string;
    readonly to: string;
  }>;
  /** Used only with `{ outcomes: true }`. */
  readonly onSuccess?: Event<{ readonly name: string; readonly duration: number }>;
  /** Used only with `{ outcomes: true }`. */
  readonly onFailure?: Event<{ readonly name: string; readonly duration: number }>;
  /** Used only with `{ outcomes: true }`. */
  readonly onReject?: Event<{ readonly name: string }>;
}

/** What `observe` needs of a bulkhead (a `@dyno/pool` `Pool` fits). */
export interface ObservablePool {
  readonly name: string;
  readonly active: number;
  readonly queued: number;
  readonly concurrency: number;
  readonly queue: number;
  /**
   * Tasks that timed out, were given back their slot and have not settled yet (a `@dyno/pool`
   * gauge); read at snapshot time, 0 for a pool without it.
   */
  readonly abandoned?: number;
  /** Tasks that took a slot since the pool was made; needed only with `{ poolStarts: 'begin' }`. */
  readonly started?: number;
  readonly onStart: Event<{ readonly name: string; readonly active: number }>;
  readonly onReject: Event<{ readonly name: string; readonly reason: string }>;
  readonly onSettle: Event<{
    readonly name: string;
    readonly duration: number;
    readonly outcome: string;
  }>;
}

/** What `observe` needs of a retry (a `@dyno/retry` `Retry` fits). */
export interface ObservableRetry {
  readonly name: string;
  readonly onRetry: Event<{ readonly name: string; readonly attempt: number }>;
}

/** Anything `Metrics.observe` accepts. */
export type ObservableSource = ObservableBreaker | ObservablePool | ObservableRetry;

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
   * Starts of other tasks are then counted at the next `begin()` or snapshot.
   * @default 'events'
   */
  readonly poolStarts?: 'events' | 'begin';
}

/** The narrow door through which an observed source writes into its `Metrics`. */
export interface Sink {
  count(slot: number): void;
  countOutcome(slot: number, latency: number | undefined): void;
  /** A pool task started, `active` tasks running with it; counted without a clock read. */
  poolStarted(active: number): void;
  setBreaker(breaker: ObservableBreaker): void;
  /** The pool whose gauges are shown; `readStarts`: its starts are read at `begin()`. */
  setPool(pool: ObservablePool, readStarts: boolean): void;
  /** Forgets `source` if it is the breaker or pool whose gauges are shown. */
  detach(source: object): void;
}

const OPTION_RULES = { outcomes: is.boolean, poolStarts: is.oneOf('events', 'begin') };

const isObject = (v: unknown): v is Record<string, unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null;

/** Subscribes `sink` to `source`'s events; the result unsubscribes. */
export function bind(sink: Sink, source: unknown, options: ObserveOptions | undefined): Disposable {
  const { outcomes = false, poolStarts = 'events' } = validate<ObserveOptions>(
    '@dyno/metrics',
    options,
    OPTION_RULES,
  );
  if (!isObject(source) || typeof source.name !== 'string') return notObservable(source);
  const subs: Disposable[] = [];
  if (typeof source.onStart === 'function' && typeof source.onSettle === 'function') {
    const pool = source as unknown as ObservablePool;
    const readStarts = poolStarts === 'begin';
    if (readStarts && typeof pool.started !== 'number') {
      throw new TypeError(
        `@dyno/metrics: a pool observed with \`poolStarts: 'begin'\` must have a numeric \`started\`; received ${format(pool.started)}`,
      );
    }
    sink.setPool(pool, readStarts);
    // The gauges are read from the pool at snapshot time and the max active only rises when a
    // task starts, so `onSettle` is needed only for outcomes: a pool with a settle listener
    // must time every task, which is most of what observing would cost.
    if (!readStarts) subs.push(pool.onStart((e) => sink.poolStarted(e.active)));
    subs.push(
      pool.onReject(() => {
        sink.count(POOL_REJECTED);
        if (outcomes) sink.countOutcome(REJECTED, undefined);
      }),
    );
    if (outcomes) {
      subs.push(
        pool.onSettle((e) => {
          const slot = e.outcome === 'success' ? SUCCESS : e.outcome === 'failure' ? FAILURE : -1;
          if (slot !== -1 || e.outcome === 'timeout') {
            sink.countOutcome(slot === -1 ? TIMEOUT : slot, e.duration);
          }
        }),
      );
    }
    return release(subs, () => sink.detach(pool));
  }
  if (typeof source.onStateChange === 'function' && 'state' in source) {
    const breaker = source as unknown as ObservableBreaker;
    sink.setBreaker(breaker);
    subs.push(breaker.onStateChange((e) => e.to === 'open' && sink.count(CIRCUIT_OPENED)));
    if (outcomes) {
      const { onSuccess, onFailure, onReject } = breaker;
      if (onSuccess) subs.push(onSuccess((e) => sink.countOutcome(SUCCESS, e.duration)));
      if (onFailure) subs.push(onFailure((e) => sink.countOutcome(FAILURE, e.duration)));
      if (onReject) subs.push(onReject(() => sink.countOutcome(SHORT_CIRCUITED, undefined)));
    }
    return release(subs, () => sink.detach(breaker));
  }
  if (typeof source.onRetry === 'function') {
    const retry = source as unknown as ObservableRetry;
    subs.push(retry.onRetry(() => sink.count(RETRIES)));
    return release(subs, () => {});
  }
  return notObservable(source);
}

function release(subs: Disposable[], after: () => void): Disposable {
  return toDisposable(() => {
    for (const sub of subs) sub.dispose();
    after();
  });
}

function notObservable(source: unknown): never {
  throw new TypeError(
    `@dyno/metrics: observe() takes a breaker (name, state, onStateChange), a pool (name, active, queued, onStart, onReject, onSettle) or a retry (name, onRetry); received ${format(source)}`,
  );
}
