import {
  copyOptions,
  DisposedError,
  type Event,
  EventEmitter,
  format,
  is,
  resolveOptions,
} from '@dyno/core';
import { MetricsLimitError } from './errors.js';
import type { AddEvent, EvictEvent } from './events.js';
import { Metrics } from './metrics.js';
import {
  DEFAULT_METRICS_REGISTRY_OPTIONS,
  type MetricsOptions,
  type MetricsRegistryOptions,
} from './options.js';
import type { MetricsSnapshot } from './snapshot.js';

const PKG = '@dyno/metrics';
const RULES = {
  maxSize: is.integer(1, 1_000_000),
  whenFull: is.oneOf('throw', 'evict-idle', 'overflow'),
  overflowName: is.string,
  metrics: is.object,
};

/**
 * Many `Metrics` by name, with a bound on how many: exporters read a registry, and code asks it
 * for a name's `Metrics` wherever it needs one. Iterating yields the entries in creation order.
 */
export class MetricsRegistry implements Iterable<Metrics> {
  readonly #entries = new Map<string, Metrics>();
  readonly #maxSize: number;
  readonly #whenFull: MetricsRegistryOptions['whenFull'];
  readonly #defaults: Omit<MetricsOptions, 'name'>;
  readonly #onEvict = new EventEmitter<EvictEvent>('@dyno/metrics onEvict');
  readonly #onAdd = new EventEmitter<AddEvent>('@dyno/metrics onAdd');
  readonly #overflowName: string;
  // Entries `'evict-idle'` dropped, by name, with their latest activity then (oldest first, at
  // most `maxSize`). Whoever held one may record into it still: it comes back at the next read
  // once it has (else its calls would be exported nowhere), and `get` of its name gives it back
  // rather than a second `Metrics` of that name. Weak: a holder that lets go frees it.
  readonly #evicted = new Map<string, { readonly ref: WeakRef<Metrics>; readonly seen: number }>();
  #overflow: Metrics | undefined;
  #dropped = 0;
  #disposed = false;

  constructor(options?: MetricsRegistryOptions) {
    const o = resolveOptions(PKG, options, RULES, DEFAULT_METRICS_REGISTRY_OPTIONS);
    if ('name' in o.metrics) {
      throw new TypeError(
        `${PKG}: option \`metrics.name\` is not allowed: each entry is named by get()`,
      );
    }
    // a copy, arrays and nested options included: every entry is made from it later, so a
    // change the caller makes to its objects meanwhile must change nothing
    const defaults: Record<string, unknown> = copyOptions({ ...o.metrics });
    // A throwaway instance validates the shared options now rather than at the first get().
    new Metrics(defaults).dispose();
    this.#maxSize = o.maxSize;
    this.#whenFull = o.whenFull;
    this.#overflowName = o.overflowName;
    this.#defaults = defaults;
  }

  /** Emitted when `whenFull: 'evict-idle'` drops an entry to make room. */
  get onEvict(): Event<EvictEvent> {
    return this.#onEvict.event;
  }

  /** Emitted when a new entry is made (the overflow entry included), before `get` returns it. */
  get onAdd(): Event<AddEvent> {
    return this.#onAdd.event;
  }

  /**
   * How many times a new name did not get an entry of its own since the registry was made:
   * refused (`'throw'`), evicted (`'evict-idle'`) or sent to the overflow entry (`'overflow'`).
   */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * The `Metrics` of `name`, made on first request with the registry's options merged with
   * `options` (ignored when it exists already; an entry its holder disposed is replaced). When
   * full, throws `MetricsLimitError` or evicts the idlest entry, as `whenFull` says. With `whenFull: 'overflow'`, the overflow entry's name
   * is refused (`RangeError`).
   */
  get(name: string, options?: Omit<MetricsOptions, 'name'>): Metrics {
    this.#checkLive();
    // Checked before the bound: a name built from request data may be `undefined`, which would
    // otherwise make an entry keyed `undefined` but named `metrics#n`, that eviction (by name)
    // can never remove, or be counted as a dropped name by a full registry.
    if (typeof name !== 'string' || name === '') {
      const message = `${PKG}: a Metrics name must be a non-empty string; received ${format(name)}`;
      throw name === '' ? new RangeError(message) : new TypeError(message);
    }
    if (name === this.#overflowName && this.#whenFull === 'overflow') {
      // two entries of one name: exporters would keep one and lose the other's counts
      throw new RangeError(
        `${PKG}: ${format(name)} is the name of the overflow entry (option \`overflowName\`); choose another`,
      );
    }
    const existing = this.#entries.get(name);
    if (existing !== undefined) {
      if (!existing.disposed) return existing;
      // disposed by its holder (`using m = registry.get(name)`): a dead entry would count
      // nothing for that name for good, so it makes way for a new one
      this.#entries.delete(name);
    }
    if (this.#entries.size >= this.#maxSize && this.#whenFull !== 'evict-idle') {
      this.#dropped++;
      if (this.#whenFull === 'throw') throw new MetricsLimitError(name, this.#maxSize);
      if (this.#overflow === undefined || this.#overflow.disposed) {
        this.#overflow = new Metrics({ ...this.#defaults, name: this.#overflowName });
        this.#onAdd.emit({ name: this.#overflowName, metrics: this.#overflow });
      }
      return this.#overflow;
    }
    const metrics = this.#takeEvicted(name) ?? new Metrics({ ...this.#defaults, ...options, name });
    let evicted: string | undefined;
    if (this.#entries.size >= this.#maxSize) {
      this.#dropped++;
      evicted = this.#evictIdlest();
    }
    // The new entry takes the freed place before anyone hears of it: a listener that asks for
    // another new name (`onEvict` counting evictions in an entry of its own) finds the registry
    // full and evicts again, where it used to take the place too and grow the registry past
    // `maxSize` by one name per eviction.
    this.#entries.set(name, metrics);
    if (evicted !== undefined) this.#onEvict.emit({ name: evicted });
    this.#onAdd.emit({ name, metrics });
    return metrics;
  }

  /** The evicted entry of `name` if its holder still has it (not disposed), forgotten here. */
  #takeEvicted(name: string): Metrics | undefined {
    const evicted = this.#evicted.get(name)?.ref.deref();
    this.#evicted.delete(name);
    return evicted?.disposed === false ? evicted : undefined;
  }

  /**
   * Takes back the evicted entries that recorded since, each in the place of the idlest entry
   * (or evicted again at once when it is the idlest itself), and forgets those let go.
   */
  #readmit(): void {
    for (const [name, { ref, seen }] of this.#evicted) {
      const metrics = ref.deref();
      if (metrics === undefined || metrics.disposed || this.#entries.has(name)) {
        this.#evicted.delete(name);
      } else if (metrics.lastActivity > seen) {
        this.#evicted.delete(name);
        this.#entries.set(name, metrics);
        const evicted = this.#evictIdlest();
        if (evicted === name) continue;
        this.#dropped++;
        this.#onEvict.emit({ name: evicted });
        this.#onAdd.emit({ name, metrics });
      }
    }
  }

  /** True when `name` has an entry. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /**
   * Removes `name` and disposes its `Metrics`; false when there was none. An entry evicted
   * earlier is only forgotten (not disposed: it is no longer the registry's).
   */
  delete(name: string): boolean {
    this.#evicted.delete(name);
    const metrics = this.#entries.get(name);
    if (metrics === undefined) return false;
    this.#entries.delete(name);
    metrics.dispose();
    return true;
  }

  /** How many names the registry holds (the overflow entry not included). */
  get size(): number {
    return this.#entries.size;
  }

  /** The names held, in creation order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * A snapshot of every entry, in creation order (then the overflow entry), but those their
   * holder disposed.
   */
  snapshot(): MetricsSnapshot[] {
    this.#checkLive();
    // an entry its holder disposed is skipped, as every exporter skips it
    return [...this].filter((m) => !m.disposed).map((m) => m.snapshot());
  }

  /**
   * The entries in creation order, then the overflow entry when there is one. An evicted entry
   * that recorded since its eviction comes back first (at the end of the order).
   */
  [Symbol.iterator](): Iterator<Metrics> {
    if (!this.#disposed) this.#readmit();
    const overflow = this.#overflow;
    if (overflow === undefined) return this.#entries.values();
    return [...this.#entries.values(), overflow][Symbol.iterator]();
  }

  /** Disposes every entry and empties the registry. Idempotent; `get` afterwards throws. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const metrics of this.#entries.values()) metrics.dispose();
    this.#overflow?.dispose();
    this.#overflow = undefined;
    this.#entries.clear();
    this.#evicted.clear();
    this.#onEvict.clear();
    this.#onAdd.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Evicts the entry that recorded nothing for the longest time, among those with no call in
   * flight when there is one (a call still running is activity its latest record cannot show),
   * and returns its name.
   */
  #evictIdlest(): string {
    let idlest: Metrics | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    let busy = true;
    for (const metrics of this.#entries.values()) {
      const seen = metrics.lastActivity;
      const running = metrics.inFlight > 0;
      if ((busy && !running) || (running === busy && seen < oldest)) {
        oldest = seen;
        idlest = metrics;
        busy = running;
      }
    }
    const victim = idlest as Metrics;
    this.#entries.delete(victim.name);
    // the oldest remembered goes first: at most `maxSize` are remembered
    if (this.#evicted.size >= this.#maxSize) {
      this.#evicted.delete(this.#evicted.keys().next().value as string);
    }
    this.#evicted.set(victim.name, { ref: new WeakRef(victim), seen: victim.lastActivity });
    return victim.name;
  }

  #checkLive(): void {
    if (this.#disposed) throw new DisposedError('MetricsRegistry');
  }
}
