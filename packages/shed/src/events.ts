/**
 * A request's class: `'health'` is never shed (and takes no slot), `'critical'` may use the
 * whole limit, `'sheddable'` is shed first (it sees the thresholds lowered by `reserve`).
 */
export type Priority = 'health' | 'critical' | 'sheddable';

/**
 * Why a request was shed: the concurrency limit was full (`'limit'`), the event loop lagged
 * (`'event-loop'`), or the shedder was closed (`'closed'`).
 */
export type ShedReason = 'limit' | 'event-loop' | 'closed';

/** Payload of `Shedder.onAdmit`: a request was let through. */
export interface AdmitEvent {
  readonly name: string;
  readonly priority: Priority;
  /** Requests holding a slot now, this one included (health checks take none). */
  readonly active: number;
  /** The concurrency limit now. */
  readonly limit: number;
}

/** Payload of `Shedder.onShed`: a request was answered 503 without reaching the handler. */
export interface ShedEvent {
  readonly name: string;
  readonly priority: Priority;
  readonly reason: ShedReason;
  /** Requests holding a slot now. */
  readonly active: number;
  /** The concurrency limit now. */
  readonly limit: number;
  /** The event-loop delay last read, in ms (0 when not monitored). */
  readonly eventLoopDelay: number;
}
