import { reportListenerError } from '@dyno/core';
import type { IntervalView } from './tree-view.js';

/**
 * An interval's duration for an output (the header, the JSON form, a span's end). A running
 * interval's is read from the clock now: a clock that cannot read now (it throws, or reads no
 * finite number) leaves it out, `undefined` as for an interval never started, and is reported as
 * in `timed` (source `@dyno/timing clock`). Writing an output must not throw for it.
 */
export function readDuration(interval: IntervalView): number | undefined {
  try {
    return interval.duration;
  } catch (failure) {
    reportListenerError(failure, '@dyno/timing clock');
    return undefined;
  }
}
