/** Who made a decision: Redis, or the `whenUnavailable` fallback (`'local'`, `'allow'`, `'refuse'`). */
export type DecisionSource = 'redis' | 'local' | 'allow' | 'refuse';

/** Payload of `RedisRateLimiter.onDecision`: one call was admitted or refused. */
export interface RateDecisionEvent {
  readonly name: string;
  readonly key: string;
  /** True when the call may run (now, or after `wait`). */
  readonly admitted: boolean;
  /** For an admitted call, ms it waits for its turn; for a refused one, its `retryAfter`. */
  readonly wait: number;
  readonly source: DecisionSource;
}

/** Payload of `RedisRateLimiter.onRedisError`: Redis failed a decision or a refund. */
export interface RedisRateErrorEvent {
  readonly name: string;
  readonly key: string;
  /** What failed: a decision, or giving back the turn of a caller that aborted while waiting. */
  readonly during: 'decide' | 'refund';
  /** A `RedisUnavailableError` whose `cause` is Redis's own error, when there was one. */
  readonly error: Error;
}
