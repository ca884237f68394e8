import { DynoError, hasCode } from '@dyno/core';
import type { CircuitState } from './events.js';

/**
 * Raised instead of running a call while a circuit is open, half-open with every probe permit
 * taken, isolated, or while a `Fuse` is broken. `reason` is what broke it (the error or result
 * that tripped it, or the reason given to `isolate` or `trigger`) and is kept as `cause` too.
 */
export class BrokenCircuitError extends DynoError {
  /** What broke the circuit. */
  readonly reason: unknown;
  /** The state that refused the call. */
  readonly state: CircuitState;
  /** Milliseconds until the circuit may let a call through, when that is known. */
  readonly retryAfter: number | undefined;

  constructor(source: string, state: CircuitState, reason: unknown, retryAfter?: number) {
    super('DYNO_BROKEN', `The circuit "${source}" is ${state}`, { source, cause: reason });
    this.reason = reason;
    this.state = state;
    this.retryAfter = retryAfter;
  }

  /** True for a `BrokenCircuitError` from any loaded copy of `@dyno/breaker`. */
  static override isInstance(value: unknown): value is BrokenCircuitError {
    return hasCode(value, 'DYNO_BROKEN');
  }
}

/**
 * The reason a half-open circuit re-opens when a probe runs longer than `halfOpenMaxWait`: it is
 * given to `onBreak` and kept as the `reason` of later `BrokenCircuitError`s.
 */
export class ProbeTimeoutError extends DynoError {
  /** The wait that passed, in ms. */
  readonly waited: number;

  constructor(source: string, waited: number) {
    super('DYNO_PROBE_TIMEOUT', `A probe of the circuit "${source}" ran over ${waited} ms`, {
      source,
    });
    this.waited = waited;
  }

  /** True for a `ProbeTimeoutError` from any loaded copy of `@dyno/breaker`. */
  static override isInstance(value: unknown): value is ProbeTimeoutError {
    return hasCode(value, 'DYNO_PROBE_TIMEOUT');
  }
}

/**
 * Makes the `BrokenCircuitError` of a refused call: a native error (`util.types.isNativeError`
 * holds) whose `stack` is its first line only. Capturing the stack frames would cost several
 * times the refused call (on the bench's open-breaker row, about 150x a bare `await` with them,
 * 45x without), and a refusal surfaces at the caller's `await` anyway.
 */
export function brokenCircuit(
  source: string,
  state: CircuitState,
  reason: unknown,
  retryAfter: number | undefined,
): BrokenCircuitError {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 0;
  } catch {
    // `Error` is frozen (`--frozen-intrinsics`, a SES lockdown): this one keeps its frames
    return new BrokenCircuitError(source, state, reason, retryAfter);
  }
  try {
    return new BrokenCircuitError(source, state, reason, retryAfter);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
