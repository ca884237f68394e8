import type { Clock, TimerHandle } from '../clock.js';
import { checkDuration } from '../validate.js';
import { flushPromises } from './flush.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told. `advance(ms)` fires due timers in time order (ties in the
 * order they were set) and lets promise callbacks run between them, so code under test sees
 * time pass exactly as it would in production, without waiting.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  /** @param start the initial value of `now()` (default 0) */
  constructor(start = 0) {
    if (!Number.isFinite(start)) {
      throw new RangeError(`@dyno/core: ManualClock start must be finite; received ${start}`);
    }
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { id, at: this.#now + delay, callback };
    // keep the list sorted by due time, ties in insertion order
    let i = this.#timers.length;
    while (i > 0 && (this.#timers[i - 1] as Timer).at > timer.at) i--;
    this.#timers.splice(i, 0, timer);
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    const i = this.#timers.findIndex((t) => t.id === handle);
    if (i !== -1) this.#timers.splice(i, 1);
  }

  /** The number of timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the next timer is due, or `undefined` when none is pending. */
  get nextDue(): number | undefined {
    return this.#timers[0]?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in time order, with promise
   * callbacks flushed before and after each one. Called again from inside a timer (re-entry), the
   * inner call moves time from the current reading and fires what falls due on its way; the outer
   * call then goes on with its own target, never moving time back.
   */
  async advance(ms: number): Promise<void> {
    checkDuration('@dyno/core', 'ms', ms);
    await this.#advanceTo(this.#now + ms);
  }

  async #advanceTo(target: number): Promise<void> {
    await flushPromises();
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await flushPromises();
    }
    // a timer may have moved time further itself (`advance` or `set` called from inside it):
    // time only moves forward
    this.#now = Math.max(this.#now, target);
  }

  /** Moves time forward without firing anything (for code that reads `now()` only). */
  set(now: number): void {
    if (!Number.isFinite(now) || now < this.#now) {
      throw new RangeError(
        `@dyno/core: ManualClock time only moves forward; received ${now} at ${this.#now}`,
      );
    }
    this.#now = now;
  }

  /** Advances until no timer is pending, at most `limit` timers (default 10,000). */
  async runAll(limit = 10_000): Promise<void> {
    await flushPromises();
    for (let fired = 0; this.#timers.length > 0; fired++) {
      if (fired >= limit) {
        throw new RangeError(
          `@dyno/core: ManualClock.runAll fired ${limit} timers; is one looping?`,
        );
      }
      // advance to the due time itself: `now + (at - now)` can round below `at`
      await this.#advanceTo((this.#timers[0] as Timer).at);
    }
  }
}
