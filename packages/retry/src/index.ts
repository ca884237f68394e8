export type { Backoff, BackoffContext } from './backoff/backoff.js';
export {
  ConstantBackoff,
  type ConstantBackoffOptions,
  DEFAULT_CONSTANT_BACKOFF_OPTIONS,
} from './backoff/constant.js';
export {
  DEFAULT_DECORRELATED_JITTER_BACKOFF_OPTIONS,
  DecorrelatedJitterBackoff,
  type DecorrelatedJitterBackoffOptions,
} from './backoff/decorrelated-jitter.js';
export {
  DEFAULT_EXPONENTIAL_BACKOFF_OPTIONS,
  ExponentialBackoff,
  type ExponentialBackoffOptions,
} from './backoff/exponential.js';
export {
  DEFAULT_LINEAR_BACKOFF_OPTIONS,
  LinearBackoff,
  type LinearBackoffOptions,
} from './backoff/linear.js';
export {
  type AttemptRecord,
  CompoundError,
  type ErrorClass,
  type GiveUpReason,
} from './errors.js';
export type { GiveUpEvent, RetryEvent, SuccessEvent } from './events.js';
export {
  DEFAULT_RETRY_OPTIONS,
  type RetryCallOptions,
  type RetryOptions,
  type RetryOutcome,
} from './options.js';
export { retry } from './retry.js';
export {
  DEFAULT_RETRY_BUDGET_OPTIONS,
  RetryBudget,
  type RetryBudgetOptions,
} from './retry-budget.js';
export { Retry, type RetryContext } from './retry-policy.js';
