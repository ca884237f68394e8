import { format, systemClock } from '@dyno/core';
import type { NowSource } from '../options.js';

/**
 * What a timer tree reads: `clock` itself when it is the system's, else its readings checked and
 * kept from going back. A reading that is not a finite number (`NaN`, `undefined`, a string,
 * `Infinity`) throws a `TypeError`, as a clock that throws does, so it is refused where a throw
 * is (`timed` reports it and leaves the interval out) and never reaches an output as `dur=NaN`,
 * a string end or a `null` time. A step back (a wall clock set back) counts as no time passed,
 * later readings going on from there: no duration is negative.
 *
 * Unlike `@dyno/core`'s `steadyClock`, which the policies use, a bad reading is not replaced by
 * the last good one: timing measures, and a made-up time would be a wrong measurement.
 */
export function treeClock(clock: NowSource): NowSource {
  return clock === systemClock ? clock : new TreeClock(clock);
}

class TreeClock implements NowSource {
  readonly #clock: NowSource;
  // the last answer, and what is added to a reading to go on from it after a step back
  #last: number | undefined = undefined;
  #offset = 0;

  constructor(clock: NowSource) {
    this.#clock = clock;
  }

  now(): number {
    const reading: unknown = this.#clock.now();
    if (typeof reading !== 'number' || !Number.isFinite(reading)) {
      throw new TypeError(
        `@dyno/timing: clock.now() must return a finite number of ms; received ${format(reading)}`,
      );
    }
    const time = reading + this.#offset;
    const last = this.#last;
    if (last === undefined || time >= last) {
      this.#last = time;
      return time;
    }
    this.#offset = last - reading;
    return last;
  }
}
