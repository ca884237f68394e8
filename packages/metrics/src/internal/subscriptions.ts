import type { Disposable } from '@dyno/core';
import type { ObservableBreaker, ObservableCache, ObservablePool } from '../observe-types.js';
import type { Sink } from './sink.js';
import type { FactKind } from './source-facts.js';

const NONE: readonly Disposable[] = Object.freeze([]);

/**
 * One observation of a source: the sink its listeners write through while it lasts, and the
 * `Disposable` that ends it (disposes its subscriptions, detaches the source from the sink,
 * once). A source may call a listener after its subscription was disposed (an emitter such as
 * `node:events` calls every listener it had when the emit began, one disposed by an earlier
 * listener included): once the observation has ended such a late event counts nothing, and never
 * reaches a disposed `Metrics`, which would throw `DisposedError` into the source's emit. One
 * class for both roles, not a gate beside a release: thousands of observed services each hold a
 * few.
 */
export class Observation implements Sink, Disposable {
  #sink: Sink | undefined;
  #subs: readonly Disposable[] = NONE;
  // what the sink shows its source as (gauges, name), to show it again (`show`)
  #role: 'breaker' | 'pool' | 'cache' | FactKind | undefined;

  constructor(
    sink: Sink,
    readonly source: object,
  ) {
    this.#sink = sink;
  }

  /** Takes the subscriptions made through it; returns itself, the caller's `Disposable`. */
  hold(subs: readonly Disposable[]): this {
    // a copy of its exact length: an array grown by `push` keeps room for 17, about 110 bytes
    // more for the one or two subscriptions of most sources, held as long as the observation
    this.#subs = subs.slice();
    return this;
  }

  dispose(): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    this.#sink = undefined;
    for (const sub of this.#subs) sub.dispose();
    this.#subs = NONE;
    sink.detach(this.source, this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  count(slot: number): void {
    this.#sink?.count(slot);
  }

  countOutcome(slot: number, latency: number | undefined): void {
    this.#sink?.countOutcome(slot, latency);
  }

  poolStarted(active: number): void {
    this.#sink?.poolStarted(active);
  }

  setBreaker(breaker: ObservableBreaker): void {
    this.#role = 'breaker';
    this.#sink?.setBreaker(breaker);
  }

  setPool(pool: ObservablePool, readStarts: boolean): boolean {
    this.#role = 'pool';
    return this.#sink?.setPool(pool, readStarts) ?? false;
  }

  cacheFact(slot: number, loadTime?: number): void {
    this.#sink?.cacheFact(slot, loadTime);
  }

  setCache(cache: ObservableCache): void {
    this.#role = 'cache';
    this.#sink?.setCache(cache);
  }

  attach(kind: FactKind, source: object): void {
    this.#role = kind;
    this.#sink?.attach(kind, source);
  }

  fact(kind: FactKind, slot: number): void {
    this.#sink?.fact(kind, slot);
  }

  detach(source: object, observation: Disposable): void {
    this.#sink?.detach(source, observation);
  }

  /**
   * Shows its source in the sink again as what it was observed as (its gauges, its name): when
   * the source shown in its place, observed later, is no longer observed.
   */
  show(): void {
    const sink = this.#sink;
    const role = this.#role;
    if (sink === undefined || role === undefined) return;
    const source = this.source;
    if (role === 'breaker') sink.setBreaker(source as ObservableBreaker);
    // a pool's starts are read at `begin()` or listened to as they were: nothing changes there
    else if (role === 'pool') sink.setPool(source as ObservablePool, false);
    else if (role === 'cache') sink.setCache(source as ObservableCache);
    else sink.attach(role, source);
  }
}
