import { type Clock, reportListenerError, systemClock } from '@dyno/core';

/**
 * `clock` itself when it is the system's, else a clock whose `now()` never throws: a reading that
 * throws is reported (`reportListenerError`, as `source()` names it) and answered with the last
 * good one, as if no time had passed. The pool reads its clock while it holds a slot (a call's
 * start and end, a queued call's wait, a deadline timer firing): a throw there would leave the
 * slot taken and a caller unsettled for good, or, from a timer, end the process.
 */
export function steadyClock(clock: Clock, source: () => string): Clock {
  if (clock === systemClock) return clock;
  let last = 0;
  return {
    now: () => {
      try {
        last = clock.now();
      } catch (error) {
        reportListenerError(error, source());
      }
      return last;
    },
    setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}
