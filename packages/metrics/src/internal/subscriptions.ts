import type { Disposable } from '@dyno/core';

/** What a subscription set detaches from when it is released (a `Sink`). */
interface Detachable {
  /** Forgets `source`, and `observation`, the disposed result of observing it. */
  detach(source: object, observation: Disposable): void;
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
    this.sink.detach(this.source, this);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Releases `subs` and then detaches `source` from `sink`, once. */
export function release(subs: readonly Disposable[], sink: Detachable, source: object): Disposable {
  // a copy of its exact length: an array grown by `push` keeps room for 17, about 110 bytes
  // more for the one or two subscriptions of most sources, held as long as the observation
  return new Release(subs.slice(), sink, source);
}
