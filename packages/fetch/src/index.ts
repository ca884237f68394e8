export {
  DEFAULT_DEADLINE_HEADER,
  type ReadDeadlineOptions,
  type RunWithDeadlineOptions,
  readDeadline,
  remainingDeadline,
  runWithDeadline,
} from './deadline.js';
export { type HttpAttempt, HttpError } from './errors.js';
export {
  DEFAULT_FETCH_HEDGE_OPTIONS,
  DEFAULT_FETCH_RETRY_OPTIONS,
  DEFAULT_RESILIENT_FETCH_OPTIONS,
  type FetchFunction,
  type FetchHedgeOptions,
  type FetchRequestInfo,
  type FetchRetryOptions,
  type ResilientFetchOptions,
} from './options.js';
export { type ResilientFetch, resilientFetch } from './resilient-fetch.js';
export type { OriginStats } from './stats.js';
