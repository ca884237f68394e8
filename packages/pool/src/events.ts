/** How a task that held a pool slot ended. */
export type SettleOutcome = 'success' | 'failure' | 'timeout' | 'cancelled';

/** Why a call was turned away: by a `Pool` (`queue-full`, `max-wait`) or a `RateLimiter`. */
export type RejectReason = 'queue-full' | 'max-wait' | 'rate-limited';

/** Payload of `Pool.onStart`: a call took a slot. */
export interface PoolStartEvent {
  readonly name: string;
  /** Slots taken, this call included. */
  readonly active: number;
  /** Calls still waiting in the queue. */
  readonly queued: number;
  /** Milliseconds this call spent in the queue (0 when it started at once). */
  readonly waited: number;
}

/** Payload of `Pool.onReject` and `RateLimiter.onReject`: a call was turned away. */
export interface RejectEvent {
  readonly name: string;
  readonly reason: RejectReason;
}

/** Payload of `RateLimiter.onReject`. */
export interface RateLimitedEvent extends RejectEvent {
  readonly reason: 'rate-limited';
  /** Milliseconds until a token is free for the rejected caller. */
  readonly retryAfter: number;
}

/**
 * Payload of `Pool.onSettle`: a task that held a slot let go of it. Fires exactly once per
 * `onStart`, after the freed slot went to the next queued call (so `active` and `queued` are the
 * pool's state as the next caller sees it). A timed-out task fires it when it really settles, or
 * when it is abandoned (`onAbandon`), whichever comes first, with outcome `'timeout'`.
 */
export interface PoolSettleEvent {
  readonly name: string;
  /** Milliseconds from the start of the task to its settling (or its abandoning). */
  readonly duration: number;
  /**
   * What the caller got: `'timeout'` when the deadline passed first, `'cancelled'` when the
   * caller's signal ended the call (it released the caller, or the task failed after it
   * aborted), otherwise `'success'` or `'failure'`.
   */
  readonly outcome: SettleOutcome;
  /** Slots taken after this one was freed and any queued call started on it. */
  readonly active: number;
  /** Calls still waiting in the queue, after that. */
  readonly queued: number;
}

/**
 * Payload of `Pool.onAbandon`: a released task (timed out, or its caller aborted) did not settle
 * within `abandonAfter` of its deadline, so its slot was given back while it still runs. Fires
 * after `onSettle` for that slot.
 */
export interface PoolAbandonEvent {
  readonly name: string;
  /** Slots taken now (the abandoned task no longer counted, any queued call started). */
  readonly active: number;
  /** Calls waiting in the queue now. */
  readonly queued: number;
  /** Abandoned tasks that have not settled yet, this one included. */
  readonly abandoned: number;
}

/** Payload of `onTimeout` (on `Timeout`, and on a `Pool` with a `timeout`). */
export interface TimeoutEvent {
  readonly name: string;
  /** The timeout that passed, in ms. */
  readonly timeout: number;
}

/**
 * Payload of `Pool.onLimitChange`: the concurrency limit changed (an adaptive limit moved, or
 * `resize`). Fires after the pool started the queued calls the new limit lets in.
 */
export interface PoolLimitEvent {
  readonly name: string;
  /** The limit now. */
  readonly limit: number;
  /** The limit before. */
  readonly previous: number;
}
