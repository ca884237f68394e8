export { RedisUnavailableError } from './errors.js';
export type { DecisionSource, RateDecisionEvent, RedisRateErrorEvent } from './events.js';
export {
  DEFAULT_REDIS_RATE_CIRCUIT_OPTIONS,
  DEFAULT_REDIS_RATE_LIMITER_OPTIONS,
  type RedisRateCircuitOptions,
  type RedisRateLimiterOptions,
  type RedisRateLimitOptions,
  type WhenUnavailable,
} from './options.js';
export { RedisRateLimiter } from './redis-rate-limiter.js';
