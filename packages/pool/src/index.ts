export {
  type AdaptiveLimit,
  type AimdLimit,
  DEFAULT_AIMD_LIMIT,
  DEFAULT_GRADIENT_LIMIT,
  type GradientLimit,
} from './adaptive.js';
export { PoolFullError, type PoolFullReason, RateLimitedError, TimeoutError } from './errors.js';
export type {
  PoolAbandonEvent,
  PoolLimitEvent,
  PoolSettleEvent,
  PoolStartEvent,
  RateLimitedEvent,
  RejectEvent,
  RejectReason,
  SettleOutcome,
  TimeoutEvent,
} from './events.js';
export {
  DEFAULT_POOL_OPTIONS,
  DEFAULT_RATE_LIMITER_OPTIONS,
  DEFAULT_TIMEOUT_OPTIONS,
  type PoolExecuteOptions,
  type PoolOptions,
  type PoolSize,
  type RateLimiterOptions,
  type RateLimiterSettings,
  type TimeoutOptions,
} from './options.js';
export { Pool, type SettledResults, type Task } from './pool.js';
export { RateLimiter } from './rate-limiter.js';
export { Timeout } from './timeout.js';
