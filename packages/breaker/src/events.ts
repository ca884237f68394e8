/**
 * The states of a circuit. A `Fuse` is only ever `closed` or `open`; `isolated` is a
 * `CircuitBreaker` held open by `isolate()`, `disabled` one put in count-only mode by `disable()`.
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated' | 'disabled';

/** A payload that names its instance. */
export interface NameEvent {
  readonly name: string;
}

/** Payload of `onStateChange`: one per transition. */
export interface StateChangeEvent extends NameEvent {
  readonly from: CircuitState;
  readonly to: CircuitState;
}

/**
 * Payload of `onBreak`: the error that tripped the circuit (a result is described unless
 * `exposeResults`), or the manual reason.
 */
export interface BreakEvent extends NameEvent {
  readonly reason: unknown;
}

/** Payload of `onSuccess`: `duration` is 0 unless someone listens or slow calls are judged. */
export interface SuccessEvent extends NameEvent {
  readonly duration: number;
}

/**
 * Payload of `onFailure`: the error; for a result that `isFailure` called a failure, the string
 * `'a result judged a failure by isFailure'` (the result itself with `exposeResults`).
 */
export interface FailureEvent extends NameEvent {
  readonly duration: number;
  readonly error: unknown;
}

/** Payload of `onReject`: a call short-circuited without running. */
export interface RejectEvent extends NameEvent {
  readonly state: CircuitState;
}
