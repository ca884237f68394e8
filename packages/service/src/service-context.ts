/**
 * What the protected function receives first: the attempt's signal and number, as own enumerable
 * read-only properties on every path (so `{ ...context }` keeps both).
 */
export interface ServiceContext {
  /**
   * Aborted when the attempt should stop: its deadline passed (the reason is the
   * `TimeoutError`) or the caller's signal aborted. Read it only when you pass it on: an
   * untouched signal costs nothing.
   */
  readonly signal: AbortSignal;
  /** The attempt's number, 1-based. */
  readonly attempt: number;
}
