import type { Disposable } from '@dyno/core';

/** What a subscription set detaches from when it is released (a `Sink`). */
interface Detachable {
  detach(source: object): void;
}

/**
 * One `Disposable` for a source's subscriptions: disposes them, then detaches the source from
 * the sink, once. A class rather than a closure: thousands of observed services each hold a few.
 */
class Release implements Disposable {
  #subs: readonly Disposable[] | undefined;

  constructor(
    subs: readonly Disposable[],
    readonly sink: Detachable,
    readonly source: object,
  ) {
    this.#subs = subs;
  }

  dispose(): void {
    const subs = this.#subs;
    if (subs === undefined) return;
    this.#subs = undefined;
    for (const sub of subs) sub.dispose();
    this.sink.detach(this.source);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Releases `subs` and then detaches `source` from `sink`, once. */
export function release(subs: readonly Disposable[], sink: Detachable, source: object): Disposable {
  return new Release(subs, sink, source);
}

/**
 * An `observe()` result: releases its subscriptions and leaves the list of live ones, once. A
 * list rather than a `Set`: a `Metrics` observes a handful of sources, and an empty `Set` alone
 * costs about 200 B.
 */
export class Observation implements Disposable {
  constructor(
    readonly live: Disposable[],
    readonly subscription: Disposable,
  ) {
    live.push(this);
  }

  dispose(): void {
    const index = this.live.indexOf(this);
    if (index === -1) return;
    this.live.splice(index, 1);
    this.subscription.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
