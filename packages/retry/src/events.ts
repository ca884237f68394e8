import type { GiveUpReason } from './errors.js';

/** Payload of `Retry.onRetry`: an attempt failed (or returned an unwanted result), and Retry waits. */
export interface RetryEvent {
  /** The Retry's name. */
  readonly name: string;
  /** The attempt that just failed, 1-based. */
  readonly attempt: number;
  /** The wait before the next attempt, in ms. */
  readonly delay: number;
  /** True when the attempt threw; false when its result was unwanted. */
  readonly failed: boolean;
  /** What it threw (present when `failed`). */
  readonly error?: unknown;
  /** What it returned (present when not `failed`). */
  readonly result?: unknown;
}

/** Payload of `Retry.onGiveUp`: Retry stopped without a wanted result. */
export interface GiveUpEvent {
  /** The Retry's name. */
  readonly name: string;
  /** How many attempts ran. */
  readonly attempts: number;
  /** The last failure (`undefined` when the last attempt returned an unwanted result). */
  readonly error: unknown;
  /** True when the last attempt threw. */
  readonly failed: boolean;
  /** The last result (present when the last attempt returned an unwanted result). */
  readonly result?: unknown;
  /** Why Retry stopped. */
  readonly reason: GiveUpReason;
}

/** Payload of `Retry.onSuccess`: an attempt returned a wanted result. */
export interface SuccessEvent {
  /** The Retry's name. */
  readonly name: string;
  /** How many attempts it took, the successful one included. */
  readonly attempts: number;
}
