import type { Clock, TimerHandle } from '../clock.js';
import type { ManualClock } from './manual-clock.js';

/**
 * A wall clock over `manual`: it reads `manual`'s time less what `stepBack` took off, as NTP
 * steps a wall clock back, while its timers stay `manual`'s. For code that reads a wall clock
 * (a shared store's expiries) and must not stall when it goes back.
 */
export class SteppingClock implements Clock {
  #back = 0;

  constructor(readonly manual: ManualClock) {}

  now(): number {
    return this.manual.now() - this.#back;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.manual.setTimeout(callback, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.manual.clearTimeout(handle);
  }

  /** Sets the reading back by `ms`; later readings go on from there as `manual` moves. */
  stepBack(ms: number): void {
    this.#back += ms;
  }
}
