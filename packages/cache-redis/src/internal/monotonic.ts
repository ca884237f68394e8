import type { Clock } from '@dyno/core';

/**
 * A view of `clock` that never goes back. It moves as `clock` does, except across a step back (a
 * wall clock corrected by NTP), which it crosses at the pace of `performance.now()`. For what
 * measures durations in this process only, such as the store's circuit cooldown, which a step
 * back would otherwise stretch by the whole step.
 */
export function monotonic(clock: Clock): Clock {
  let raw = clock.now();
  let real = performance.now();
  let view = raw;
  return {
    now: () => {
      const r = clock.now();
      const p = performance.now();
      view += r >= raw ? r - raw : p - real;
      raw = r;
      real = p;
      return view;
    },
    setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}
