/**
 * One call that a `CircuitBreaker` admitted through `acquire()` and that its caller runs and
 * reports by hand: for callback and stream APIs, or a wrapper that already has the outcome at
 * hand. Report exactly one outcome: the first report counts and later ones are ignored, as a
 * promise settles once.
 *
 * Two ways to report: `succeeded`/`failed` hand the breaker what happened and let its
 * `isFailure` judge it (as `execute` does); `countSuccess`/`countFailure`/`release` hand it a
 * verdict the caller already made, and `isFailure` is not asked.
 */
export interface CircuitPermit {
  /**
   * The call returned `result` (an `isFailure` option may still count it as a failure). `now` may
   * pass the breaker's clock time when the caller has just read that clock (it saves a read).
   * @throws what `isFailure` threw, if it threw: the outcome then counts as neither and a probe's
   * permit goes back
   */
  succeeded(result?: unknown, now?: number): void;
  /**
   * The call failed with `error`; counted as `execute` would count it. `now` as above.
   * @throws what `isFailure` threw, as `succeeded`
   */
  failed(error: unknown, now?: number): void;
  /**
   * Counts a success, without asking `isFailure` (the caller judged the outcome). `result` is
   * used only as a trip reason under `exposeResults`. `now` as above.
   */
  countSuccess(result?: unknown, now?: number): void;
  /**
   * Counts a failure, without asking `isFailure`. `kind` says whether `value` is an error (the
   * trip reason, as itself) or a result (described, unless `exposeResults`). `now` as above.
   * @throws TypeError when `kind` is neither `'error'` nor `'result'` (nothing is reported)
   */
  countFailure(value: unknown, kind?: 'error' | 'result', now?: number): void;
  /**
   * The call was abandoned, or judged neither success nor failure: it counts as neither, and a
   * half-open probe gives its permit back at once.
   */
  release(): void;
}
