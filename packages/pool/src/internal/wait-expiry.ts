import type { Clock } from '@dyno/core';
import { GuardedTimer } from './guarded-timer.js';
import type { Ring } from './ring.js';
import type { Waiter } from './waiter.js';

// tolerance when comparing clock times computed by subtraction
const EPSILON = 1e-6;

/**
 * The `maxWait` deadline of a pool's queue. Every waiter has the same maxWait, so deadlines follow
 * queue order: one timer, armed for the oldest waiter, serves the whole queue. It has the same
 * re-entrancy guard as the running tasks' deadlines (`GuardedTimer`): an `onReject` listener that
 * queues a call while the timer fires arms no second timer.
 */
export class WaitExpiry {
  readonly #maxWait: number;
  readonly #waiters: Ring<Waiter>;
  readonly #expire: (waiter: Waiter, waited: number) => void;
  readonly #timer: GuardedTimer;

  constructor(options: {
    readonly clock: Clock;
    readonly maxWait: number;
    /** The pool's queue, shared: entries marked `done` are skipped and dropped here. */
    readonly waiters: Ring<Waiter>;
    /** Takes `waiter` out of the queue and rejects it; `waited` is how long it waited in ms. */
    readonly expire: (waiter: Waiter, waited: number) => void;
  }) {
    this.#maxWait = options.maxWait;
    this.#waiters = options.waiters;
    this.#expire = options.expire;
    this.#timer = new GuardedTimer({ clock: options.clock, work: this.#work, keepIdle: false });
  }

  /** `waiter` was just queued. */
  queued(waiter: Waiter): void {
    const at = queuedAt(waiter);
    this.#timer.ensure(at + this.#maxWait, at);
  }

  /** The queue is empty: the timer has nothing left to expire. */
  idle(): void {
    this.#timer.idle();
  }

  /** Rejects every waiter that waited `maxWait`; answers the ms until the next one is due. */
  readonly #work = (now: number): number | undefined => {
    const maxWait = this.#maxWait;
    const waiters = this.#waiters;
    for (let waiter = waiters.peek(); waiter !== undefined; waiter = waiters.peek()) {
      if (waiter.done) {
        waiters.shift();
        continue;
      }
      const waited = now - queuedAt(waiter);
      if (waited < maxWait - EPSILON) return maxWait - waited;
      // off the ring before the listeners run: they may empty it and queue new calls
      waiters.shift();
      this.#expire(waiter, waited);
    }
    return undefined;
  };
}

// the pool reads the clock for every waiter of a queue with a `maxWait` (`WaitQueue.timed`)
const queuedAt = (waiter: Waiter): number => waiter.queuedAt as number;
