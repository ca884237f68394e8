import { DYNO_ERROR, DynoError, hasCode } from '@dyno/core';
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

// On the prototype too, so the cheap instances below (which skip DynoError's constructor) are
// recognised by `DynoError.isInstance` and `instanceof DynoError` in every copy.
Object.defineProperty(BrokenCircuitError.prototype, DYNO_ERROR, { value: true });

/**
 * Makes the rejection of a short-circuited call cheaply: no stack frames (capturing them costs
 * far more than the refused call, and the refusal surfaces at the caller's `await` anyway) and
 * plain field writes instead of the base constructor's property definitions. The result is a
 * `BrokenCircuitError` with the same fields as one made with `new`.
 */
export function brokenCircuit(
  source: string,
  state: CircuitState,
  reason: unknown,
  retryAfter?: number,
): BrokenCircuitError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error = Reflect.construct(
    Error,
    [`The circuit "${source}" is ${state}`, { cause: reason }],
    BrokenCircuitError,
  ) as { -readonly [K in keyof BrokenCircuitError]: BrokenCircuitError[K] };
  Error.stackTraceLimit = limit;
  error.name = 'BrokenCircuitError';
  error.code = 'DYNO_BROKEN';
  error.source = source;
  error.reason = reason;
  error.state = state;
  error.retryAfter = retryAfter;
  return error as BrokenCircuitError;
}
