// Captured at load, as `@dyno/core/testing`'s `flushPromises` does: a yield waits for no time, so
// jest's fake timers installed later must not hold it. Runtimes without `setImmediate` (a
// browser) take a zero timer instead.
const schedule: (callback: () => void) => unknown =
  typeof setImmediate === 'function' ? setImmediate : (callback) => setTimeout(callback, 0);

/**
 * Zero waits in a row after which a call lets the event loop turn once. A retry that fails at
 * once (an open circuit, a full pool) with no wait runs on microtasks alone: a million of them
 * kept timers, I/O and a shutdown signal from running for seconds, `attempts: Infinity` for
 * good. About a millisecond of such attempts runs between two turns.
 */
export const ZERO_WAITS_PER_TURN = 256;

/** Settles on a later turn of the event loop, after the timers and I/O due by then. */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => {
    schedule(resolve);
  });
}
