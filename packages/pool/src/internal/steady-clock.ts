import { type Clock, steadyClock as coreSteadyClock } from '@dyno/core';

/**
 * `clock` itself when it is the system's, else core's steady clock over it, reporting as
 * `@dyno/pool "<name>" clock`: a reading that throws or is not a finite number, or that steps
 * back, counts as no time passed. The pool reads its clock while it holds a slot (a call's start
 * and end, a queued call's wait, a deadline timer firing): a throw there would leave the slot
 * taken and a caller unsettled for good, or, from a timer, end the process; a `NaN` would time
 * every call out at once, and a step back of a day would hold a hung call's slot for a day.
 */
export function steadyClock(clock: Clock, name: string): Clock {
  return coreSteadyClock(clock, '@dyno/pool', name);
}
