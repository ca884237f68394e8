import type { Clock, TimerHandle } from '@dyno/core';

/**
 * The clock the service gives the parts it builds: the configured clock, whose first reading
 * while held is kept and handed to every later read until released. The service holds it while
 * an attempt enters its layers (retry, breaker, pool, timeout all want "now" within the same few
 * microseconds) and releases it before `fn` runs, so no reading outlives the layers' entry and
 * none is shared with user code. Decision 61.
 */
export class EntryClock implements Clock {
  readonly #base: Clock;
  #held = false;
  // the reading kept while held; NaN until the first read
  #reading = Number.NaN;

  constructor(base: Clock) {
    this.#base = base;
  }

  now(): number {
    if (!this.#held) return this.#base.now();
    let reading = this.#reading;
    if (Number.isNaN(reading)) {
      reading = this.#base.now();
      this.#reading = reading;
    }
    return reading;
  }

  /** From now until `release`, every read returns the first one. Reads nothing itself. */
  hold(): void {
    this.#held = true;
    this.#reading = Number.NaN;
  }

  release(): void {
    this.#held = false;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.#base.setTimeout(callback, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#base.clearTimeout(handle);
  }
}
