import type { Clock, TimerHandle } from '@dyno/core';

/**
 * A clock on `Date.now()`: the time line shared by every process writing one Redis, whose
 * `performance.now()` all differ. The default clock of `RedisStore`, and so of its caches.
 */
export const wallClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): TimerHandle => setTimeout(callback, ms),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as NodeJS.Timeout),
});
