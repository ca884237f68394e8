/** An opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = unknown;

/**
 * The source of time for everything that measures or waits. `now()` is monotonic milliseconds,
 * so a change of the wall clock changes nothing.
 */
export interface Clock {
  /** Monotonic time in milliseconds (fractional). */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer made by `setTimeout`; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * `true` promises that `now()` never throws and answers finite numbers that never go down, as
   * `systemClock` and the clocks `steadyClock` makes do: a policy then reads it as it is instead
   * of wrapping it (see `steadyClock`). For a composite that makes a user's clock steady once
   * and hands its parts a clock over it.
   */
  readonly steady?: boolean;
}

// In Node the `performance` global is a getter: looking it up on every read cost 6-18 ns of the
// 40-46 ns a `performance.now()` takes. The object is kept from load time, and looked up again
// only while someone has replaced the platform's `setTimeout` (fake timers replace both), so
// fake timers stay in charge of this clock's time as well as of its timers.
const perf = performance;
const platformSetTimeout = setTimeout;

/** The default clock: `performance.now()` and the platform's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => (setTimeout === platformSetTimeout ? perf.now() : performance.now()),
  setTimeout: (callback: () => void, ms: number): TimerHandle => setTimeout(callback, ms),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as NodeJS.Timeout),
  steady: true,
});
