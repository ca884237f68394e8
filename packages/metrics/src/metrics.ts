import {
  type Clock,
  type Disposable,
  DisposedError,
  defaultName,
  type Event,
  EventEmitter,
  resolveOptions,
  steadyClock,
} from '@dyno/core';
import { BucketRing } from './internal/bucket-ring.js';
import { buildSnapshot } from './internal/build-snapshot.js';
import { CacheCounters } from './internal/cache-counts.js';
import { badOutcome, checkDivisible, checkLatency, checkNow } from './internal/checks.js';
import { RollingLatency } from './internal/rolling-latency.js';
import type { Sink } from './internal/sink.js';
import * as S from './internal/slots.js';
import { type FactKind, SourceFacts } from './internal/source-facts.js';
import type { Observation } from './internal/subscriptions.js';
import { bind, type ObservableSource, type ObserveOptions } from './observe.js';
import type { ObservableBreaker, ObservableCache, ObservablePool } from './observe-types.js';
import {
  DEFAULT_LATENCY_BOUNDARIES,
  DEFAULT_METRICS_OPTIONS,
  METRICS_RULES,
  type MetricsOptions,
} from './options.js';
import { OUTCOMES, type Outcome } from './outcome.js';
import type { OutcomeEvent } from './outcome-event.js';
import type { MetricsSnapshot } from './snapshot.js';

const PKG = '@dyno/metrics';

/**
 * Rolling counters, an in-flight gauge and latency percentiles for one name. Windows roll
 * lazily on each read or write, on the injected monotonic clock: no timer ever runs. Recording is
 * a few array writes; all the arithmetic happens in `snapshot()`.
 */
export class Metrics implements Disposable {
  /** The name in snapshots and exports. */
  readonly name: string;
  /** The group the Hystrix stream reports. */
  readonly group: string;
  /** The counter window in ms. */
  readonly window: number;
  /** The latency window in ms. */
  readonly latencyWindow: number;
  readonly #clock: Clock;
  readonly #ring: BucketRing;
  // 32-bit counts: a bucket would need over 4 billion calls in its second (1 s by default) to wrap
  readonly #counts: Uint32Array;
  // every counted slot since creation (outcomes, pool starts and refusals, retries, openings);
  // a plain array: a typed array of 11 costs about 150 bytes more (its buffer is an object too)
  readonly #totals: number[] = Array.from({ length: S.COUNT_SLOTS }, () => 0);
  readonly #latency: RollingLatency;
  readonly #boundaries: readonly number[];
  #inFlight = 0;
  #latencyCount = 0;
  #latencySum = 0;
  #disposed = false;
  #lastWrite: number;
  #breaker: ObservableBreaker | undefined;
  #pool: ObservablePool | undefined;
  #cache: ObservableCache | undefined;
  // made when a cache is first observed
  #cacheCounts: CacheCounters | undefined;
  // made when an HTTP source, hedge, fleet rate limiter or fleet circuit is first observed
  #facts: SourceFacts | undefined;
  // a pool whose starts are read at `begin()` (`poolStarts: 'begin'`), and its count last read
  #startsPool: ObservablePool | undefined;
  #seenStarted = 0;
  // made on first `observe()`, as is the sink sources report to: most instances observe nothing;
  // a disposed observation leaves it (the sink's `detach`). A list rather than a `Set`: a
  // `Metrics` observes a handful of sources, and an empty `Set` alone costs about 200 B
  #subscriptions: Observation[] | undefined;
  #sink: Sink | undefined;
  // made on first subscription: most instances are never listened to
  #outcomes: EventEmitter<OutcomeEvent> | undefined;

  constructor(options?: MetricsOptions) {
    const o = resolveOptions<MetricsOptions>(PKG, options, METRICS_RULES, {
      ...DEFAULT_METRICS_OPTIONS,
    }) as Required<Omit<MetricsOptions, 'name'>> & MetricsOptions;
    checkDivisible('window', o.window, 'buckets', o.buckets);
    checkDivisible('latencyWindow', o.latencyWindow, 'latencyBuckets', o.latencyBuckets);
    // a reading that throws, is no finite number or steps back counts as no time passed: read as
    // it came, a `NaN` made every `record`, `begin` and `end` throw (and an observed source's
    // outcome was lost in its listener)
    const name = o.name ?? defaultName('metrics');
    const clock = steadyClock(o.clock, PKG, name);
    const now = clock.now();
    // a frozen copy (the default one is shared): the caller's array may change later, and a
    // snapshot's `buckets.le` is this very array
    const boundaries =
      o.latencyBoundaries === DEFAULT_LATENCY_BOUNDARIES
        ? DEFAULT_LATENCY_BOUNDARIES
        : Object.freeze([...o.latencyBoundaries]);
    this.#latency = new RollingLatency(
      o.latencyBuckets,
      o.latencyWindow / o.latencyBuckets,
      o.histogram,
      boundaries,
      now,
    );
    this.#boundaries = boundaries;
    this.name = name;
    this.group = o.group;
    this.window = o.window;
    this.latencyWindow = o.latencyWindow;
    this.#clock = clock;
    this.#ring = new BucketRing(o.buckets, o.window / o.buckets, now);
    this.#counts = new Uint32Array(o.buckets * S.SLOTS);
    this.#lastWrite = now;
  }

  /**
   * Counts one outcome, with its latency in ms when known. `now` may pass the clock's time when
   * the caller has just read it (it saves a clock read); a time before the latest one seen counts
   * in the current bucket. Throws a `TypeError` for an unknown outcome or a latency that is not a
   * number, and a `RangeError` for a negative or non-finite latency or a `now` that is not
   * finite, before counting anything.
   * After `dispose()` it counts nothing and throws nothing (see `dispose`).
   */
  record(outcome: Outcome, latency?: number, now: number = this.#clock.now()): void {
    if (this.#disposed) return;
    this.#count(outcomeSlot(outcome), latency, now);
  }

  /**
   * Marks one call in flight and returns the clock time to hand to `end`. The gauge's rolling
   * maximum is what the Hystrix dashboard shows as "max concurrent". After `dispose()` it only
   * returns `now`.
   */
  begin(now: number = this.#clock.now()): number {
    if (this.#disposed) return now;
    this.#rollTo(now);
    if (this.#startsPool !== undefined) this.#readStarts(this.#startsPool);
    this.#inFlight++;
    this.#raiseMax(S.MAX_IN_FLIGHT, this.#inFlight);
    return now;
  }

  /**
   * Ends a call started with `begin()`: counts `outcome` with the latency `now - start` (0 when
   * `start` is after `now`). Throws a `RangeError` for a `start` or `now` that is not finite,
   * before counting anything. After `dispose()` it counts nothing and throws nothing.
   */
  end(outcome: Outcome, start: number, now: number = this.#clock.now()): void {
    if (this.#disposed) return;
    const slot = outcomeSlot(outcome);
    // A start after `now` (a reading behind the clock) counts 0 ms; a start that is no time
    // (NaN, undefined, ±Infinity) makes a latency that is no number, refused before the gauge
    // drops rather than counted as 0 ms.
    const latency = start > now && Number.isFinite(start) ? 0 : now - start;
    checkLatency(latency);
    // Roll before the gauge drops, so the new bucket starts at the level the call held.
    this.#rollTo(now);
    if (this.#inFlight > 0) this.#inFlight--;
    this.#count(slot, latency, now);
  }

  /** Counts `slot` (an outcome or an observed source's fact) at `now`, with its latency if known. */
  #count(slot: number, latency: number | undefined, now: number): void {
    checkLatency(latency);
    this.#rollTo(now);
    this.#lastWrite = now;
    this.#add(slot);
    if (latency !== undefined) this.#recordLatency(latency, now);
    // last: a listener may read a snapshot, which must hold the outcome and its latency
    if (slot < S.OUTCOME_SLOTS) this.#emitOutcome(slot, latency);
  }

  /** Adds `by` to `slot` in the current bucket and to its total since creation. */
  #add(slot: number, by = 1): void {
    const i = this.#index(slot);
    this.#counts[i] = (this.#counts[i] as number) + by;
    this.#totals[slot] = (this.#totals[slot] as number) + by;
  }

  /** Raises the gauge maximum in `slot` of the current bucket to `level` if it is below. */
  #raiseMax(slot: number, level: number): void {
    const i = this.#index(slot);
    if (level > (this.#counts[i] as number)) this.#counts[i] = level;
  }

  /** Where `slot` of the current bucket is in `#counts`. */
  #index(slot: number): number {
    return this.#ring.current * S.SLOTS + slot;
  }

  #emitOutcome(slot: number, latency: number | undefined): void {
    const outcomes = this.#outcomes;
    if (outcomes === undefined || !outcomes.hasListeners) return;
    outcomes.emit({ name: this.name, outcome: OUTCOMES[slot] as Outcome, latency });
  }

  #recordLatency(latency: number, now: number): void {
    this.#latency.record(latency, now);
    this.#latencyCount++;
    this.#latencySum += latency;
  }

  /**
   * Emitted for every outcome counted (by `record`, `end` or an observed source), with its
   * latency in ms when known, after it is counted. For exporters that need every value, such
   * as an OpenTelemetry histogram; with no listener it costs one comparison.
   */
  get onOutcome(): Event<OutcomeEvent> {
    this.#checkLive();
    this.#outcomes ??= new EventEmitter<OutcomeEvent>('@dyno/metrics onOutcome');
    return this.#outcomes.event;
  }

  /**
   * Moves the counter window to `now` (a no-op while `now` is in the current bucket), clearing
   * the buckets it comes back to. The gauges held their level through the buckets skipped while
   * idle, so the new current bucket starts at that level rather than at zero.
   */
  #rollTo(now: number): void {
    if (now < this.#ring.end) return;
    checkNow(now);
    for (const index of this.#ring.advance(now)) this.#clear(index);
    this.#counts[this.#index(S.MAX_IN_FLIGHT)] = this.#inFlight;
    this.#counts[this.#index(S.MAX_POOL_ACTIVE)] = this.#pool === undefined ? 0 : this.#pool.active;
  }

  /**
   * Counts the starts of a pool observed with `poolStarts: 'begin'` since the last read, and
   * its level now: at a `begin()` just after the pool started that call's task, exactly what
   * `onStart` would have said.
   */
  #readStarts(pool: ObservablePool): void {
    const started = pool.started as number;
    const seen = this.#seenStarted;
    if (started >= seen) this.#add(S.POOL_STARTED, started - seen);
    // A count that went back (a pool of another package that counts from 0 again) restarted,
    // as Prometheus reads a counter reset: a negative difference wrapped the window's count to
    // 4 billion and took the total below 0. One that is no count (NaN) adds nothing.
    else if (started >= 0) this.#add(S.POOL_STARTED, started);
    if (started >= 0) this.#seenStarted = started;
    this.#raiseMax(S.MAX_POOL_ACTIVE, pool.active);
  }

  #clear(index: number): void {
    this.#counts.fill(0, index * S.SLOTS, (index + 1) * S.SLOTS);
    this.#cacheCounts?.clear(index);
    this.#facts?.clear(index);
  }

  /**
   * Subscribes to a breaker, pool or retry through its events (a structural interface: nothing
   * of those packages is imported). What comes from where, so nothing counts twice:
   * - `record`/`begin`/`end`: every outcome, latency and the in-flight gauge.
   * - a breaker: its state (read at snapshot time) and how often it opened; with
   *   `{ outcomes: true }` also its successes, failures and short-circuits as outcomes.
   * - a pool: its active/queued gauges (read at snapshot time), tasks started and refused, and
   *   its rolling max active; with `{ outcomes: true }` also its settled tasks and refusals.
   * - a retry: how many retries happened.
   * - a cache, an HTTP source, a hedge, a fleet rate limiter, a fleet circuit: their own facts
   *   (never outcomes), and the gauges of the last two read at snapshot time.
   * The last breaker and the last pool still observed give the gauges. Dispose the result to
   * stop.
   */
  observe(source: ObservableSource, options?: ObserveOptions): Disposable {
    this.#checkLive();
    this.#sink ??= new Metrics.#Sink(this);
    // made first: a source whose subscription throws is detached from it before `bind` rethrows
    this.#subscriptions ??= [];
    const observation = bind(this.#sink, source, options);
    this.#subscriptions.push(observation);
    return observation;
  }

  /**
   * The door observed sources write through: one object per observing `Metrics`, its methods
   * shared on the prototype (a gateway observes thousands of services' parts). A class in this
   * class's body, as only code here can reach the private state it writes.
   */
  static readonly #Sink = class MetricsSink implements Sink {
    constructor(readonly m: Metrics) {}

    count(slot: number): void {
      this.m.#count(slot, undefined, this.m.#clock.now());
    }

    countOutcome(slot: number, latency: number | undefined): void {
      this.m.#count(slot, latency, this.m.#clock.now());
    }

    poolStarted(active: number): void {
      const m = this.m;
      m.#rollTo(m.#clock.now());
      m.#add(S.POOL_STARTED);
      m.#raiseMax(S.MAX_POOL_ACTIVE, active);
    }

    cacheFact(slot: number, loadTime?: number): void {
      const m = this.m;
      m.#rollTo(m.#clock.now());
      const counts = m.#cacheCounts as CacheCounters;
      counts.count(m.#ring.current, slot);
      if (loadTime !== undefined) counts.loadTime += loadTime;
    }

    setCache(cache: ObservableCache): void {
      this.m.#cache = cache;
      this.m.#cacheCounts ??= new CacheCounters(this.m.#ring.buckets);
    }

    attach(kind: FactKind, source: object): void {
      this.m.#facts ??= new SourceFacts(this.m.#ring.buckets);
      this.m.#facts.attach(kind, source);
    }

    fact(kind: FactKind, slot: number): void {
      const m = this.m;
      m.#rollTo(m.#clock.now());
      m.#facts?.count(kind, m.#ring.current, slot);
    }

    setBreaker(breaker: ObservableBreaker): void {
      this.m.#breaker = breaker;
    }

    setPool(pool: ObservablePool, readStarts: boolean): boolean {
      const m = this.m;
      m.#pool = pool;
      // one pool's starts are read at `begin()`: those of another (a second service recording
      // here) would go uncounted, so that one is listened to
      if (!readStarts || (m.#startsPool !== undefined && m.#startsPool !== pool)) return false;
      m.#startsPool = pool;
      m.#seenStarted = pool.started as number;
      return true;
    }

    detach(source: object, observation: Disposable): void {
      const m = this.m;
      const live = m.#subscriptions as Observation[];
      const index = live.indexOf(observation as Observation);
      if (index !== -1) live.splice(index, 1);
      if (m.#breaker === source) m.#breaker = undefined;
      if (m.#pool === source) m.#pool = undefined;
      if (m.#startsPool === source) m.#startsPool = undefined;
      if (m.#cache === source) m.#cache = undefined;
      m.#facts?.detach(source);
      // the latest source of each kind still observed is shown: replayed in the order observed
      if (!m.#disposed) for (const left of live) left.show();
    }
  };

  /** The clock time of the latest recorded outcome (or of creation). */
  get lastActivity(): number {
    return this.#lastWrite;
  }

  /** Calls in flight now (between `begin` and `end`). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * A plain-JSON picture of the windows now. Reading rolls the windows too, so a snapshot after
   * a long idle period shows empty windows.
   */
  snapshot(): MetricsSnapshot {
    this.#checkLive();
    const now = this.#clock.now();
    this.#rollTo(now);
    if (this.#startsPool !== undefined) this.#readStarts(this.#startsPool);
    this.#latency.roll(now);
    const merged = this.#latency.merged();
    return buildSnapshot({
      name: this.name,
      group: this.group,
      window: this.window,
      latencyWindow: this.latencyWindow,
      time: now,
      span: this.#span(now),
      counts: this.#counts,
      totals: this.#totals,
      inFlight: this.#inFlight,
      latency: merged,
      boundaries: this.#boundaries,
      cumulative: this.#latency.cumulative(merged),
      latencyCount: this.#latencyCount,
      latencySum: this.#latencySum,
      breaker: this.#breaker,
      pool: this.#pool,
      cache: this.#cache,
      cacheCounts: this.#cacheCounts,
      facts: this.#facts,
    });
  }

  // The window's full buckets plus the current one so far; with one bucket, the whole window
  // (a span of the current bucket alone would start near zero). A time before the current
  // bucket (behind one already seen) counts in it, as a record does: the span never reaches 0.
  #span(now: number): number {
    const ring = this.#ring;
    if (ring.buckets === 1) return this.window;
    return Math.max(now, ring.end - ring.width) - (ring.end - this.window);
  }

  /**
   * The bytes of counting state this instance holds: the counter buckets and totals (8 bytes a
   * total), plus one histogram per latency bucket used so far (none until a latency is recorded).
   */
  get byteLength(): number {
    return (
      this.#counts.byteLength +
      this.#totals.length * Float64Array.BYTES_PER_ELEMENT +
      this.#latency.byteLength +
      (this.#cacheCounts?.byteLength ?? 0) +
      (this.#facts?.byteLength ?? 0)
    );
  }

  /**
   * Stops observing every source. Idempotent. Reading or observing afterwards throws
   * `DisposedError`; recording (`record`, `begin`, `end`) counts nothing and throws nothing, as
   * OpenTelemetry's instruments do after shutdown: a call under way when its owner disposed the
   * metrics may still end, and its outcome must not turn into a `DisposedError`.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const sub of [...(this.#subscriptions ?? [])]) sub.dispose();
    this.#breaker = undefined;
    this.#pool = undefined;
    this.#cache = undefined;
    this.#facts?.detachAll();
    this.#outcomes?.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** True once `dispose()` was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  #checkLive(): void {
    if (this.#disposed) throw new DisposedError('Metrics', this.name);
  }
}

/** The slot of `outcome`; throws a `TypeError` for one that is not an outcome. */
function outcomeSlot(outcome: Outcome): number {
  const slot = S.slotOf(outcome);
  if (slot === undefined) throw badOutcome(outcome);
  return slot;
}
