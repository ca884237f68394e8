import type { Clock, EventEmitter } from '@dyno/core';
import type { PoolAbandonEvent, SettleOutcome, TimeoutEvent } from '../events.js';
import { Deadlines, type TimedOwner } from './timed-run.js';

/** What the timing of a pool reads from the pool (its public getters). */
export interface PoolState {
  readonly active: number;
  readonly queued: number;
  readonly maxAbandoned: number;
}

/** A pool's deadline events, each made on its first subscriber (the pool sets them here). */
export interface DeadlineEvents {
  onTimeout: EventEmitter<TimeoutEvent> | undefined;
  onAbandon: EventEmitter<PoolAbandonEvent> | undefined;
}

/** What a `PoolTiming` is made from. */
export interface PoolTimingInit {
  readonly name: string;
  readonly pool: PoolState;
  readonly clock: Clock;
  /** The pool's `abandonAfter` option (`undefined`: each task's timeout). */
  readonly abandonAfter: number | false | undefined;
  /** Frees a slot and starts the next waiter (the pool's `#finish`). */
  readonly finished: (outcome: SettleOutcome, startedAt: number | undefined) => void;
  readonly events: DeadlineEvents;
}

/**
 * The deadlines of a pool's timed tasks, and the abandoning of those that ignore their signal: a
 * released task that has not settled `abandonAfter` ms after its deadline gives its slot back
 * (`finished` is called then, not when it settles) and is counted in `abandoned` until it does,
 * unless `maxAbandoned` are out already (then it keeps its slot until it settles).
 */
export class PoolTiming implements TimedOwner {
  readonly name: string;
  readonly deadlines: Deadlines;
  readonly finished: (outcome: SettleOutcome, startedAt: number | undefined) => void;
  /** Abandoned tasks that have not settled yet. */
  abandoned = 0;
  /** Tasks ever abandoned. */
  abandonedTotal = 0;
  readonly #pool: PoolState;
  readonly #abandonAfter: number | false | undefined;
  readonly #events: DeadlineEvents;

  constructor(init: PoolTimingInit) {
    this.name = init.name;
    this.deadlines = new Deadlines(init.clock);
    this.finished = init.finished;
    this.#pool = init.pool;
    this.#abandonAfter = init.abandonAfter;
    this.#events = init.events;
  }

  grace(timeout: number): number | false {
    return this.#abandonAfter === undefined ? timeout : this.#abandonAfter;
  }

  expired(timeout: number): void {
    const onTimeout = this.#events.onTimeout;
    if (onTimeout?.hasListeners) onTimeout.emit(Object.freeze({ name: this.name, timeout }));
  }

  abandon(outcome: SettleOutcome, startedAt: number | undefined): boolean {
    const pool = this.#pool;
    if (this.abandoned >= pool.maxAbandoned) return false;
    this.abandoned++;
    this.abandonedTotal++;
    this.finished(outcome, startedAt);
    const onAbandon = this.#events.onAbandon;
    if (onAbandon?.hasListeners) {
      const { active, queued } = pool;
      onAbandon.emit({ name: this.name, active, queued, abandoned: this.abandoned });
    }
    return true;
  }

  abandonedSettled(): void {
    this.abandoned--;
  }
}
