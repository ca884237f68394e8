import type { WindowSnapshot } from '../snapshot.js';

/**
 * The state a trip strategy keeps for one breaker. The breaker calls `record` only for calls
 * admitted while closed and only in the epoch they started in, so a strategy never sees a late
 * result.
 */
export interface Strategy {
  /** Calls at least this slow (ms) count as slow; `undefined` when speed is not judged. */
  readonly slowCallDuration: number | undefined;
  /** True when `record` needs the current time. */
  readonly timed: boolean;
  /**
   * Records one outcome and answers whether the circuit should open now. `now` is the clock
   * time, always given to a strategy that is `timed` (the others are not given one).
   */
  record(failure: boolean, slow: boolean, now: number | undefined): boolean;
  /** Forgets every outcome (the circuit closed again). */
  reset(): void;
  /** The window as plain JSON, rolled to `now`. */
  snapshot(now: number): WindowSnapshot;
  /** Loads a saved window; a window of another kind or shape is ignored (fresh start). */
  restore(snapshot: WindowSnapshot, now: number): void;
}

/** The ratio rule both window strategies share; ratios use `>=` (Hystrix, Polly, resilience4j). */
export function overThreshold(
  calls: number,
  failures: number,
  slow: number,
  threshold: number,
  slowDuration: number | undefined,
  slowThreshold: number,
): boolean {
  return (
    failures / calls >= threshold || (slowDuration !== undefined && slow / calls >= slowThreshold)
  );
}
