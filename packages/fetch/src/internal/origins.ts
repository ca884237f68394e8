import { CircuitBreaker, type CircuitBreakerOptions } from '@dyno/breaker';
import { type Clock, type Disposable, EventEmitter, withDefaults } from '@dyno/core';
import { Hedge, type HedgeBudget, type HedgeBudgetOptions, type HedgeOptions } from '@dyno/hedge';
import type { Metrics, MetricsRegistry } from '@dyno/metrics';
import type { OriginStats } from '../stats.js';
import { holdEntry, releaseEntry } from './shared-entries.js';

/** Mutable counters behind `OriginStats`. */
export interface Tally {
  s1: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
  networkErrors: number;
  timeouts: number;
  shortCircuited: number;
  retries: number;
  hedges: number;
  hedgeWins: number;
}

/** Everything a client keeps per origin. */
export interface Origin {
  readonly origin: string;
  /** `<client name> <origin>`: the name of its breaker, hedge and metrics. */
  readonly name: string;
  readonly breaker: CircuitBreaker | undefined;
  readonly hedge: Hedge | undefined;
  readonly metrics: Metrics | undefined;
  /** Fed to `metrics.observe` as a retry source, so retries count per origin. */
  readonly retries: EventEmitter<{ readonly name: string; readonly attempt: number }>;
  /** Fed to `metrics.observe` as an HTTP source, so status classes count per origin. */
  readonly responses: EventEmitter<{ readonly name: string; readonly status: number }>;
  readonly tally: Tally;
  readonly subscriptions: Disposable[];
}

/** How an origin's parts are made. */
export interface OriginSettings {
  readonly name: string;
  readonly clock: Clock;
  readonly breaker: Omit<CircuitBreakerOptions, 'name' | 'clock' | 'isFailure'> | false;
  readonly hedge:
    | (Omit<HedgeOptions, 'budget' | 'clock' | 'name' | 'isAcceptable'> & {
        readonly budget: HedgeBudget | HedgeBudgetOptions | false;
        readonly isAcceptable: HedgeOptions['isAcceptable'];
      })
    | false;
  readonly metrics: MetricsRegistry | false;
  readonly maxOrigins: number;
}

/**
 * The origins a client has called, most recently used last; past `maxOrigins` the least recently
 * used one is forgotten (its subscriptions disposed, its metrics entry deleted unless another
 * client of the same name still holds it).
 */
export class Origins {
  readonly #s: OriginSettings;
  readonly #map = new Map<string, Origin>();

  constructor(settings: OriginSettings) {
    this.#s = settings;
  }

  get(origin: string): Origin {
    const known = this.#map.get(origin);
    if (known !== undefined) {
      if (this.#map.size > 1) {
        this.#map.delete(origin);
        this.#map.set(origin, known);
      }
      return known;
    }
    const made = this.#make(origin);
    this.#map.set(origin, made);
    if (this.#map.size > this.#s.maxOrigins) {
      const [oldest] = this.#map.keys();
      this.#forget(oldest as string);
    }
    return made;
  }

  /** The origin's state, if the client has called it (no reordering). */
  peek(origin: string): Origin | undefined {
    return this.#map.get(origin);
  }

  values(): IterableIterator<Origin> {
    return this.#map.values();
  }

  dispose(): void {
    for (const origin of [...this.#map.keys()]) this.#forget(origin);
  }

  #forget(origin: string): void {
    const o = this.#map.get(origin) as Origin;
    this.#map.delete(origin);
    for (const s of o.subscriptions) s.dispose();
    if (this.#s.metrics !== false && o.metrics !== undefined) {
      releaseEntry(this.#s.metrics, o.name);
    }
  }

  #make(origin: string): Origin {
    const s = this.#s;
    const name = metricsName(s.name, origin);
    const breaker =
      s.breaker === false
        ? undefined
        : new CircuitBreaker(withDefaults({}, s.breaker, { name, clock: s.clock }));
    const hedge = s.hedge === false ? undefined : new Hedge({ ...s.hedge, name, clock: s.clock });
    const metrics = s.metrics === false ? undefined : holdEntry(s.metrics, name, s.clock);
    const retries = new EventEmitter<{ readonly name: string; readonly attempt: number }>(
      '@dyno/fetch onRetry',
    );
    const responses = new EventEmitter<{ readonly name: string; readonly status: number }>(
      '@dyno/fetch onResponse',
    );
    const tally: Tally = {
      s1: 0,
      s2: 0,
      s3: 0,
      s4: 0,
      s5: 0,
      networkErrors: 0,
      timeouts: 0,
      shortCircuited: 0,
      retries: 0,
      hedges: 0,
      hedgeWins: 0,
    };
    const subscriptions: Disposable[] = [];
    if (metrics !== undefined) {
      if (breaker !== undefined) subscriptions.push(metrics.observe(breaker));
      subscriptions.push(metrics.observe({ name, onRetry: retries.event }));
      subscriptions.push(metrics.observe({ name, onResponse: responses.event }));
      if (hedge !== undefined) subscriptions.push(metrics.observe(hedge));
    }
    if (hedge !== undefined) {
      subscriptions.push(hedge.onHedge(() => tally.hedges++));
      subscriptions.push(hedge.onWin(() => tally.hedgeWins++));
    }
    return { origin, name, breaker, hedge, metrics, retries, responses, tally, subscriptions };
  }
}

/** The name of an origin's breaker, hedge and metrics: `<client name> <origin>`. */
export function metricsName(client: string, origin: string): string {
  return `${client} ${origin}`;
}

/** An origin's counters as `OriginStats`. */
export function statsOf(o: Origin): OriginStats {
  const t = o.tally;
  return Object.freeze({
    origin: o.origin,
    statuses: Object.freeze({ '1xx': t.s1, '2xx': t.s2, '3xx': t.s3, '4xx': t.s4, '5xx': t.s5 }),
    networkErrors: t.networkErrors,
    timeouts: t.timeouts,
    shortCircuited: t.shortCircuited,
    retries: t.retries,
    hedges: t.hedges,
    hedgeWins: t.hedgeWins,
    circuit: o.breaker?.state,
  });
}
