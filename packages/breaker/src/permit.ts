/**
 * One call that a `CircuitBreaker` admitted through `acquire()` and that its caller runs and
 * reports by hand: for callback and stream APIs, or a wrapper that already has the outcome at
 * hand. Report exactly one outcome: the first report counts and later ones are ignored, as a
 * promise settles once.
 */
export interface CircuitPermit {
  /**
   * The call returned `result` (an `isFailure` option may still count it as a failure). `now` may
   * pass the breaker's clock time when the caller has just read that clock (it saves a read).
   */
  succeeded(result?: unknown, now?: number): void;
  /** The call failed with `error`; counted as `execute` would count it. `now` as above. */
  failed(error: unknown, now?: number): void;
  /**
   * The call was abandoned without an outcome: it counts as neither success nor failure, and a
   * half-open probe gives its permit back at once.
   */
  release(): void;
}
