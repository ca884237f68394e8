/**
 * What became of one call, as `Metrics.record` counts it. `rejected` is a refusal by a bulkhead
 * or rate limiter; `short-circuited` a refusal by an open circuit; the two `fallback-*` outcomes
 * count fallbacks, which are not requests of their own.
 */
export type Outcome =
  | 'success'
  | 'failure'
  | 'timeout'
  | 'short-circuited'
  | 'rejected'
  | 'fallback-success'
  | 'fallback-failure';

/** Every outcome, in the order of their slots. */
export const OUTCOMES: readonly Outcome[] = Object.freeze([
  'success',
  'failure',
  'timeout',
  'short-circuited',
  'rejected',
  'fallback-success',
  'fallback-failure',
]);

/** The count of each outcome, keyed in camelCase. */
export interface OutcomeCounts {
  readonly success: number;
  readonly failure: number;
  readonly timeout: number;
  readonly shortCircuited: number;
  readonly rejected: number;
  readonly fallbackSuccess: number;
  readonly fallbackFailure: number;
}
