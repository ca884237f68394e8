import type { Clock, TimerHandle } from '@dyno/core';
import type { Ring } from './ring.js';
import type { Waiter } from './waiter.js';

// tolerance when comparing clock times computed by subtraction
const EPSILON = 1e-6;

/**
 * The `maxWait` deadline of a pool's queue. Every waiter has the same maxWait, so deadlines follow
 * queue order: one timer, armed for the oldest waiter, serves the whole queue.
 */
export class WaitExpiry {
  /**
   * The pending timer, if any. A plain field rather than a getter: the pool reads it on every
   * enqueue and every time its queue empties, and only this class writes it.
   */
  timer: TimerHandle | undefined = undefined;

  constructor(
    readonly clock: Clock,
    readonly maxWait: number,
    /** The pool's queue, shared: entries marked `done` are skipped and dropped here. */
    readonly waiters: Ring<Waiter>,
    /** Takes `waiter` out of the queue and rejects it; `waited` is how long it waited in ms. */
    readonly expire: (waiter: Waiter, waited: number) => void,
  ) {}

  /** Arms the timer for a waiter queued now; call only while `timer` is undefined. */
  arm(): void {
    this.timer = this.clock.setTimeout(this.#fire, this.maxWait);
  }

  /** The queue is empty: the timer has nothing left to expire. */
  disarm(): void {
    this.clock.clearTimeout(this.timer as TimerHandle);
    this.timer = undefined;
  }

  // one bound function for the pool's lifetime, so re-arming makes no closure
  readonly #fire = (): void => {
    this.timer = undefined;
    const maxWait = this.maxWait;
    const now = this.clock.now();
    const waiters = this.waiters;
    for (let waiter = waiters.peek(); waiter !== undefined; waiter = waiters.peek()) {
      if (!waiter.done) {
        const waited = now - waiter.at;
        if (waited < maxWait - EPSILON) {
          this.timer = this.clock.setTimeout(this.#fire, maxWait - waited);
          return;
        }
        this.expire(waiter, waited);
      }
      waiters.shift();
    }
  };
}
