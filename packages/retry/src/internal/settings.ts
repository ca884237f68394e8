import type { Clock, EventEmitter } from '@dyno/core';
import type { Backoff } from '../backoff/backoff.js';
import type { GiveUpEvent, RetryEvent, SuccessEvent } from '../events.js';
import type { RetryOutcome } from '../options.js';
import type { RetryBudget } from '../retry-budget.js';

/**
 * A Retry's resolved configuration, shared by the fast path and the retry loop. The emitters
 * are made on first subscription (most retries are never listened to), so they are the only
 * fields that change.
 */
export interface Settings {
  readonly name: string;
  readonly attempts: number;
  readonly backoff: Backoff;
  readonly maxDelay: number;
  readonly shouldRetry: ((outcome: RetryOutcome, attempt: number) => boolean) | undefined;
  readonly isRetryable: ((error: unknown, attempt: number) => boolean) | undefined;
  /** Reads a failure's own wait (`retryAfter`); `undefined` when the option is off. */
  readonly retryAfter: ((outcome: Outcome, attempt: number) => unknown) | undefined;
  readonly deadline: number | undefined;
  readonly budget: RetryBudget | undefined;
  readonly throwLastError: boolean;
  readonly clock: Clock;
  readonly random: () => number;
  onRetry: EventEmitter<RetryEvent> | undefined;
  onGiveUp: EventEmitter<GiveUpEvent> | undefined;
  onSuccess: EventEmitter<SuccessEvent> | undefined;
}

/** How to call the user's function: `fn(context)` when `args` is undefined, else `fn.apply`. */
export interface Target {
  readonly fn: Function;
  readonly thisArg: unknown;
  readonly args: readonly unknown[] | undefined;
}

/** An attempt's outcome inside the loop; `retry` is set when it was judged already. */
export interface Outcome {
  readonly failed: boolean;
  readonly value: unknown;
  readonly retry?: boolean;
}

/** The key of Retry's internal entry point, shared with the `retry()` wrapper. */
export const RUN: unique symbol = Symbol('@dyno/retry/run') as never;
