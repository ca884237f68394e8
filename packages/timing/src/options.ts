import { systemClock } from '@dyno/core';

/** What a timer reads time from: any object with a monotonic `now()` in ms (a `Clock` fits). */
export interface NowSource {
  /** The current time in ms, never going backwards. */
  now(): number;
}

/** Options of a root `PerfTimer`; its children share them. */
export interface PerfTimerOptions {
  /**
   * Where times come from: only `now()` is read, so a full `Clock` or any `{ now() }` will do.
   * @default systemClock (performance.now())
   */
  readonly clock?: NowSource | undefined;
  /**
   * The wall-clock time, in ms since 1970, at which `clock.now()` read 0. Anchors the absolute
   * times of the JSON form.
   * @default performance.timeOrigin (right for the system clock)
   */
  readonly epoch?: number | undefined;
  /**
   * Record the process's CPU time (`process.cpuUsage()`) over every interval.
   * @default false
   */
  readonly cpu?: boolean | undefined;
}

/** The defaults of `PerfTimerOptions`. */
export const DEFAULT_PERF_TIMER_OPTIONS: Readonly<Required<PerfTimerOptions>> = Object.freeze({
  clock: systemClock,
  epoch: performance.timeOrigin,
  cpu: false,
});
