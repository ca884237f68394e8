export { PoolFullError, type PoolFullReason, RateLimitedError, TimeoutError } from './errors.js';
export type {
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
  type PoolOptions,
  type RateLimiterOptions,
  type TimeoutOptions,
} from './options.js';
export { Pool, type SettledResults, type Task } from './pool.js';
export { RateLimiter } from './rate-limiter.js';
export { Timeout } from './timeout.js';
