import type { Clock, EventEmitter } from '@dyno/core';
import type { PoolAbandonEvent, SettleOutcome, TimeoutEvent } from '../events.js';
import { Deadlines, type TimedOwner } from './timed-run.js';

/** What the timing of a pool reads from the pool (its public getters). */
export interface PoolState {
  readonly active: number;
  readonly queued: number;
  readonly maxAbandoned: number;
}

/**
 * The deadlines of a pool's timed tasks, and the abandoning of those that ignore their signal: a
 * released task that has not settled `abandonAfter` ms after its deadline gives its slot back
 * (`finished` is called then, not when it settles) and is counted in `abandoned` until it does,
 * unless `maxAbandoned` are out already (then it keeps its slot until it settles).
 */
export class PoolTiming implements TimedOwner {
  readonly deadlines: Deadlines;
  /** Abandoned tasks that have not settled yet. */
  abandoned = 0;
  /** Tasks ever abandoned. */
  abandonedTotal = 0;
  // the `onTimeout` payload for the pool's own timeout, made once
  readonly #payload: TimeoutEvent;

  constructor(
    readonly name: string,
    readonly pool: PoolState,
    clock: Clock,
    /** The pool's `timeout` option (0 for none). */
    readonly timeout: number,
    /** The pool's `abandonAfter` option (`undefined`: each task's timeout). */
    readonly abandonAfter: number | false | undefined,
    /** Frees a slot and starts the next waiter (the pool's `#finish`). */
    readonly finished: (outcome: SettleOutcome, startedAt: number) => void,
    readonly onTimeout: EventEmitter<TimeoutEvent>,
    readonly onAbandon: EventEmitter<PoolAbandonEvent>,
  ) {
    this.deadlines = new Deadlines(clock);
    this.#payload = Object.freeze({ name, timeout });
  }

  grace(timeout: number): number {
    const after = this.abandonAfter;
    return after === undefined ? timeout : after === false ? -1 : after;
  }

  expired(timeout: number): void {
    if (!this.onTimeout.hasListeners) return;
    const name = this.name;
    this.onTimeout.emit(
      timeout === this.timeout ? this.#payload : Object.freeze({ name, timeout }),
    );
  }

  abandon(outcome: SettleOutcome, startedAt: number): boolean {
    const pool = this.pool;
    if (this.abandoned >= pool.maxAbandoned) return false;
    this.abandoned++;
    this.abandonedTotal++;
    this.finished(outcome, startedAt);
    if (this.onAbandon.hasListeners) {
      const { active, queued } = pool;
      this.onAbandon.emit({ name: this.name, active, queued, abandoned: this.abandoned });
    }
    return true;
  }

  abandonedSettled(): void {
    this.abandoned--;
  }
}
