/** The saved window of the `consecutive-failures` strategy. */
export interface ConsecutiveFailuresSnapshot {
  readonly kind: 'consecutive-failures';
  /** Failures in a row so far. */
  readonly failures: number;
}

/** An outcome code in a count window: bit 0 = failure, bit 1 = slow. */
export type OutcomeCode = 0 | 1 | 2 | 3;

/** The saved window of the `count-window` strategy. */
export interface CountWindowSnapshot {
  readonly kind: 'count-window';
  /** The outcomes in the window, oldest first. */
  readonly outcomes: readonly OutcomeCode[];
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
}

/** The saved window of the `time-window` strategy. */
export interface TimeWindowSnapshot {
  readonly kind: 'time-window';
  /** Milliseconds since the newest bucket began (0 when the window is empty). */
  readonly elapsed: number;
  /** `[calls, failures, slowCalls]` per bucket, oldest first; empty when nothing was recorded. */
  readonly buckets: readonly (readonly [number, number, number])[];
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
}

/** The saved window of any strategy. */
export type WindowSnapshot = ConsecutiveFailuresSnapshot | CountWindowSnapshot | TimeWindowSnapshot;

/**
 * A circuit's state as plain JSON, with times relative to the moment it was taken (a monotonic
 * clock means nothing in another process). An isolated circuit is saved as `open`: isolation
 * belongs to whoever holds the `Disposable`.
 */
export interface CircuitSnapshot {
  readonly version: 1;
  readonly state: 'closed' | 'open' | 'half-open';
  /** Milliseconds left before an open circuit lets probes through (0 unless open). */
  readonly openRemaining: number;
  /** Failed probes in a row, which drive the open-duration backoff. */
  readonly reopenCount: number;
  readonly window: WindowSnapshot;
}
