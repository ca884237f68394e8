import { FactCounters } from './fact-counters.js';
import { SHED_SLOTS } from './shed-slots.js';

/** The observed sources whose facts a `Metrics` counts besides cache and pool. */
export type FactKind = 'http' | 'hedge' | 'rateLimit' | 'fleet' | 'shed';

// The slots of each kind's facts.
/** `http`: one slot per status class, 1xx to 5xx. */
export const STATUS_1XX = 0;
export const HEDGE_STARTED = 0;
export const HEDGE_WON = 1;
export const HEDGE_REFUSED = 2;
export const RATE_ADMITTED = 0;
export const RATE_REFUSED = 1;
/** A decision made without Redis (`source` other than `'redis'`), admitted or refused. */
export const RATE_FALLBACK = 2;
export const RATE_REDIS_ERROR = 3;
export const FLEET_ISOLATED = 0;
export const FLEET_REDIS_ERROR = 1;

/** `shed`: see `shed-slots`. */
const SLOTS: Readonly<Record<FactKind, number>> = {
  http: 5,
  hedge: 3,
  rateLimit: 4,
  fleet: 2,
  shed: SHED_SLOTS,
};

/**
 * The sources of those kinds a `Metrics` observes (the last of each kind gives its gauges and
 * name) and their rolling counters, each made when a source of its kind is first observed.
 */
export class SourceFacts {
  readonly #buckets: number;
  readonly #sources = new Map<FactKind, object>();
  readonly #counters = new Map<FactKind, FactCounters>();

  constructor(buckets: number) {
    this.#buckets = buckets;
  }

  /** Makes `source` the one of `kind` that is shown; its counters continue the kind's. */
  attach(kind: FactKind, source: object): void {
    this.#sources.set(kind, source);
    if (!this.#counters.has(kind))
      this.#counters.set(kind, new FactCounters(this.#buckets, SLOTS[kind]));
  }

  /** Forgets `source` wherever it is the one shown. */
  detach(source: object): void {
    for (const [kind, shown] of this.#sources) if (shown === source) this.#sources.delete(kind);
  }

  /** Forgets every source (the counters stay, as the totals of a disposed `Metrics`). */
  detachAll(): void {
    this.#sources.clear();
  }

  /** The source of `kind` shown now, and its counters; `undefined` when none is observed. */
  read<T extends object>(kind: FactKind): { source: T; counts: FactCounters } | undefined {
    const source = this.#sources.get(kind);
    if (source === undefined) return undefined;
    return { source: source as T, counts: this.#counters.get(kind) as FactCounters };
  }

  count(kind: FactKind, bucket: number, slot: number): void {
    this.#counters.get(kind)?.count(bucket, slot);
  }

  clear(bucket: number): void {
    for (const counters of this.#counters.values()) counters.clear(bucket);
  }

  get byteLength(): number {
    let bytes = 0;
    for (const counters of this.#counters.values()) bytes += counters.byteLength;
    return bytes;
  }
}
