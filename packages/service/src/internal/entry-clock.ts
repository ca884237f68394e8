import type { Clock, TimerHandle } from '@dyno/core';

/** One caller's hold on an `EntryClock`, given back to `release`. */
export interface ClockHold {
  /** The reading handed out while this is the innermost hold; `undefined` until the first read. */
  reading: number | undefined;
  released: boolean;
  /** The hold this one was taken inside: in force again once this one is released. */
  readonly outer: ClockHold | undefined;
}

/**
 * The clock the service gives the parts it builds: the configured clock, whose first reading
 * while held is kept and handed to every later read until released. The service holds it while
 * an attempt enters its layers (retry, breaker, pool, timeout all want "now" within the same few
 * microseconds) and releases it before `fn` runs, so no reading outlives the layers' entry and
 * none is shared with `fn`. Decision 61.
 *
 * Holds nest: user code that runs during an entry (a listener of a layer's event) may call the
 * service again. The inner call takes a reading of its own, and the outer call's reading is in
 * force again once the inner hold is released. Each caller releases its own hold, and releasing
 * it again does nothing (the service releases before `fn` runs and again when the entry returns),
 * so no caller can end another's hold.
 */
export class EntryClock implements Clock {
  readonly #base: Clock;

  /**
   * Steady when its base is (the service makes it so), as holds only hand out an earlier
   * reading of the base: the parts keep this clock as it is rather than each wrapping it.
   */
  get steady(): boolean {
    return this.#base.steady === true;
  }

  // the innermost hold not released; `undefined` while nobody holds the clock
  #hold: ClockHold | undefined = undefined;

  constructor(base: Clock) {
    this.#base = base;
  }

  now(): number {
    const hold = this.#hold;
    if (hold === undefined) return this.#base.now();
    hold.reading ??= this.#base.now();
    return hold.reading;
  }

  /** From now until `release(hold)`, every read returns the first one. Reads nothing itself. */
  hold(): ClockHold {
    const hold: ClockHold = { reading: undefined, released: false, outer: this.#hold };
    this.#hold = hold;
    return hold;
  }

  /** Ends `hold`; a hold released already stays released. */
  release(hold: ClockHold): void {
    hold.released = true;
    // holds end innermost first (each entry releases its own before it returns), but one
    // released out of order would stay in the chain until the holds inside it end too
    let innermost = this.#hold;
    while (innermost?.released) innermost = innermost.outer;
    this.#hold = innermost;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.#base.setTimeout(callback, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#base.clearTimeout(handle);
  }
}
