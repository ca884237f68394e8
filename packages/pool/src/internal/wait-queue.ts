import { abortReason, addAbortListener, type Clock, removeAbortListener } from '@dyno/core';
import { Ring } from './ring.js';
import { WaitExpiry } from './wait-expiry.js';
import type { Waiter } from './waiter.js';

/**
 * A pool's FIFO queue of calls waiting for a slot, with its `maxWait` timer. A waiter whose
 * signal aborts leaves the count at once and stays in the ring, marked `done`, until reached
 * (removing from the middle of a ring is O(n)); the ring is compacted when such entries pile up.
 */
export class WaitQueue {
  /** Calls waiting now (entries marked `done` not counted). */
  size = 0;
  readonly #ring = new Ring<Waiter>();
  readonly #expiry: WaitExpiry | undefined;

  constructor(options: {
    readonly clock: Clock;
    /** The pool's option: with a number, `expired` is called for a waiter that waited that long. */
    readonly maxWait: number | false;
    /** Rejects `waiter`, which has left the queue already; `waited` is in ms. */
    readonly expired: (waiter: Waiter, waited: number) => void;
  }) {
    const { clock, maxWait, expired } = options;
    if (maxWait !== false) {
      this.#expiry = new WaitExpiry({
        clock,
        maxWait,
        waiters: this.#ring,
        expire: (waiter, waited) => {
          this.#leave(waiter);
          expired(waiter, waited);
        },
      });
    }
  }

  /** Whether waiters must carry the clock time they were queued at (`queuedAt`, for `maxWait`). */
  get timed(): boolean {
    return this.#expiry !== undefined;
  }

  /** Queues `waiter`, made with `cancel` as its callback and, when `timed`, its `queuedAt`. */
  add(waiter: Waiter): void {
    this.#ring.push(waiter);
    this.size++;
    if (waiter.signal !== undefined) addAbortListener(waiter.signal, waiter);
    this.#expiry?.queued(waiter);
  }

  /** Takes the oldest waiter out of the queue; call only while `size > 0`. */
  next(): Waiter {
    let waiter = this.#ring.shift() as Waiter;
    while (waiter.done) waiter = this.#ring.shift() as Waiter;
    this.#leave(waiter);
    if (this.size === 0) this.#idle();
    return waiter;
  }

  /** A waiter's signal aborted: it leaves at once with the reason (wired as `Waiter.cancel`). */
  readonly cancel = (waiter: Waiter): void => {
    if (waiter.done) return;
    this.#leave(waiter);
    waiter.reject(abortReason(waiter.signal as AbortSignal));
    if (this.size === 0) this.#idle();
    // left-behind entries are skipped when reached; compact if they pile up behind a slow head
    else if (this.#ring.size > 2 * this.size + 64) this.#ring.filter((w) => !w.done);
  };

  /** Rejects every waiter with `error` (on dispose). */
  flush(error: unknown): void {
    for (let waiter = this.#ring.shift(); waiter !== undefined; waiter = this.#ring.shift()) {
      if (waiter.done) continue;
      this.#leave(waiter);
      waiter.reject(error);
    }
    this.#idle();
  }

  /** Takes a waiter out of the count and off its signal (it may still sit in the ring). */
  #leave(waiter: Waiter): void {
    waiter.done = true;
    this.size--;
    if (waiter.signal !== undefined) removeAbortListener(waiter.signal, waiter);
  }

  /** The queue is empty: drop left-behind entries and the max-wait timer. */
  #idle(): void {
    this.#ring.clear();
    this.#expiry?.idle();
  }
}
