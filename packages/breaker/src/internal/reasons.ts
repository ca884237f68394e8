/**
 * What a breaker carries as the reason of a trip (and the `error` of `onFailure`) in place of a
 * result, unless `exposeResults` is set: results may hold personal data, and a
 * `BrokenCircuitError` carries its reason as `cause` into every log that prints it.
 */
export const RESULT_JUDGED_FAILURE = 'a result judged a failure by isFailure';

/** The reason when a success was the outcome on which the window crossed its threshold. */
export const TRIPPED_ON_SUCCESS = 'the window crossed its threshold on a successful call';

/** What a counted outcome contributes as a reason: an error as itself, a result described. */
export function reasonOf(
  value: unknown,
  isError: boolean,
  failure: boolean,
  exposeResults: boolean,
): unknown {
  if (isError || exposeResults) return value;
  return failure ? RESULT_JUDGED_FAILURE : TRIPPED_ON_SUCCESS;
}
