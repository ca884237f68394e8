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
}

/** The default clock: `performance.now()` and the platform's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (callback: () => void, ms: number): TimerHandle => setTimeout(callback, ms),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as NodeJS.Timeout),
});
