import type { Disposable, Event } from '@dyno/core';
import type { Sink } from './internal/sink.js';
import {
  FLEET_ISOLATED,
  FLEET_REDIS_ERROR,
  RATE_ADMITTED,
  RATE_FALLBACK,
  RATE_REDIS_ERROR,
  RATE_REFUSED,
} from './internal/source-facts.js';

/**
 * What `observe` needs of a rate limit shared by a fleet (`@dyno/pool-redis`'s
 * `RedisRateLimiter` fits): its decisions, and when it has them its Redis errors and the state
 * of its Redis circuit (read at snapshot time).
 */
export interface ObservableRateLimiter {
  readonly name: string;
  /** `'closed'` while Redis decides, `'open'` while it is skipped, `'half-open'` between. */
  readonly redisState?: string;
  readonly onDecision: Event<{
    readonly name: string;
    readonly admitted: boolean;
    /** Who decided: `'redis'`, or the fallback used while Redis cannot. */
    readonly source: string;
  }>;
  readonly onRedisError?: Event<{ readonly name: string }>;
}

/**
 * What `observe` needs of a circuit shared by a fleet (`@dyno/breaker-redis`'s `FleetCircuit`
 * fits): its quorum `view` (read at snapshot time) and `onView`, and `onRedisError` when it has
 * one. Observe the local breaker as well, to see its state.
 */
export interface ObservableFleetCircuit {
  readonly name: string;
  readonly view: {
    readonly live: number;
    readonly open: number;
    readonly isolating: boolean;
    readonly connected: boolean;
  };
  readonly onView: Event<{ readonly name: string; readonly isolating: boolean }>;
  readonly onRedisError?: Event<{ readonly name: string }>;
}

/** Counts `limiter`'s decisions, those made without Redis, and its Redis errors (subscriptions into `subs`). */
export function bindRateLimiter(
  sink: Sink,
  limiter: ObservableRateLimiter,
  subs: Disposable[],
): void {
  sink.attach('rateLimit', limiter);
  subs.push(
    limiter.onDecision((e) => {
      sink.fact('rateLimit', e.admitted ? RATE_ADMITTED : RATE_REFUSED);
      if (e.source !== 'redis') sink.fact('rateLimit', RATE_FALLBACK);
    }),
  );
  if (typeof limiter.onRedisError === 'function') {
    subs.push(limiter.onRedisError(() => sink.fact('rateLimit', RATE_REDIS_ERROR)));
  }
}

/**
 * Counts the times `fleet` isolates its breaker (from its view events: a view that starts
 * isolating) and its Redis errors; its gauges are read from `view` at snapshot time
 * (subscriptions into `subs`).
 */
export function bindFleetCircuit(
  sink: Sink,
  fleet: ObservableFleetCircuit,
  subs: Disposable[],
): void {
  sink.attach('fleet', fleet);
  let isolating = fleet.view.isolating === true;
  subs.push(
    fleet.onView((e) => {
      if (e.isolating && !isolating) sink.fact('fleet', FLEET_ISOLATED);
      isolating = e.isolating;
    }),
  );
  if (typeof fleet.onRedisError === 'function') {
    subs.push(fleet.onRedisError(() => sink.fact('fleet', FLEET_REDIS_ERROR)));
  }
}
