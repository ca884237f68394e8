import type { Outcome } from '../outcome.js';

// One slot per outcome, then the facts that only observed sources feed.
export const SUCCESS = 0;
export const FAILURE = 1;
export const TIMEOUT = 2;
export const SHORT_CIRCUITED = 3;
export const REJECTED = 4;
export const FALLBACK_SUCCESS = 5;
export const FALLBACK_FAILURE = 6;
export const OUTCOME_SLOTS = 7;
export const POOL_STARTED = 7;
export const POOL_REJECTED = 8;
export const RETRIES = 9;
export const CIRCUIT_OPENED = 10;
/** Slots below this one count (and have totals since creation); the rest are gauge maxima. */
export const COUNT_SLOTS = 11;
// Gauge maxima: a bucket holds the largest value seen while it was current.
export const MAX_IN_FLIGHT = 11;
export const MAX_POOL_ACTIVE = 12;
export const SLOTS = 13;

/** The slot of an outcome; `undefined` for anything else. */
export function slotOf(outcome: Outcome): number | undefined {
  switch (outcome) {
    case 'success':
      return SUCCESS;
    case 'failure':
      return FAILURE;
    case 'timeout':
      return TIMEOUT;
    case 'short-circuited':
      return SHORT_CIRCUITED;
    case 'rejected':
      return REJECTED;
    case 'fallback-success':
      return FALLBACK_SUCCESS;
    case 'fallback-failure':
      return FALLBACK_FAILURE;
    default:
      return undefined;
  }
}
