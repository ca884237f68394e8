/**
 * What a backoff sees when it computes the delay after a failed attempt. Retry makes one per
 * call, and only once an attempt has failed, so a backoff may keep per-call memory in `state`.
 * Retry also passes the failure itself (`failed`, `error`, `result`) and the time spent
 * (`elapsed`), so a backoff can honour a hint such as a `retryAfter` or an HTTP `Retry-After`;
 * they are optional only so that a context built by hand (in a test) needs just the first four.
 */
export interface BackoffContext {
  /** The attempt that just failed (or returned an unwanted result), 1-based. */
  readonly attempt: number;
  /** The delay used after the previous attempt, in ms; 0 after the first. */
  readonly previous: number;
  /** The policy's source of randomness, in [0, 1). */
  readonly random: () => number;
  /** Per-call memory for backoffs that need more than `previous`; starts at 0. */
  state: number;
  /** True when the attempt threw or rejected; false when its result was judged unwanted. */
  readonly failed?: boolean;
  /** What the attempt threw (`undefined` when not `failed`). */
  readonly error?: unknown;
  /** What the attempt returned (`undefined` when `failed`). */
  readonly result?: unknown;
  /** Time since the call started, on the policy's clock, in ms (the failed attempt included). */
  readonly elapsed?: number;
}

/**
 * Computes the wait before the next attempt. Retry clamps whatever it returns into
 * `[0, maxDelay]` (NaN becomes `maxDelay`, so a broken backoff never retries in a tight loop).
 */
export interface Backoff {
  /** The delay in ms before the attempt after `context.attempt`. */
  delay(context: BackoffContext): number;
}

/**
 * Clamps a backoff's answer into `[0, max]`. NaN and non-numbers give `max`: waiting too long is
 * the safe mistake; waiting 0 would retry in a tight loop.
 */
export function clampDelay(delay: unknown, max: number): number {
  if (typeof delay !== 'number' || Number.isNaN(delay)) return max;
  if (delay <= 0) return 0;
  return delay < max ? delay : max;
}
