import { type Clock, reportListenerError, systemClock, type TimerHandle } from '@dyno/core';

/**
 * `clock` itself when it is the system's, else a clock whose `now()` never throws: a reading that
 * throws is reported (`reportListenerError`, as `@dyno/pool "<name>" clock`) and answered with
 * the last good one, as if no time had passed. The pool reads its clock while it holds a slot (a
 * call's start and end, a queued call's wait, a deadline timer firing): a throw there would leave
 * the slot taken and a caller unsettled for good, or, from a timer, end the process.
 */
export function steadyClock(clock: Clock, name: string): Clock {
  return clock === systemClock ? clock : new SteadyClock(clock, name);
}

// A class, not closures: a service hands its pool a clock of its own, so every service's pool
// holds one of these (about 40 bytes, where three closures and their context took about 390).
class SteadyClock implements Clock {
  readonly #clock: Clock;
  readonly #name: string;
  #last = 0;

  constructor(clock: Clock, name: string) {
    this.#clock = clock;
    this.#name = name;
  }

  now(): number {
    try {
      this.#last = this.#clock.now();
    } catch (error) {
      reportListenerError(error, `@dyno/pool ${JSON.stringify(this.#name)} clock`);
    }
    return this.#last;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.#clock.setTimeout(callback, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#clock.clearTimeout(handle);
  }
}
