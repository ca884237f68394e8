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

// The cheap instances have no engine stack; this one reads like a stack captured with no frames
// and can be overwritten like any error's. Instances made with `new` keep their own `stack`.
Object.defineProperty(BrokenCircuitError.prototype, 'stack', {
  get(this: BrokenCircuitError): string {
    return `${this.name}: ${this.message}`;
  },
  set(this: BrokenCircuitError, value: unknown) {
    Object.defineProperty(this, 'stack', { value, writable: true, configurable: true });
  },
  configurable: true,
});

type Fields = { -readonly [K in keyof BrokenCircuitError]: BrokenCircuitError[K] };

// A plain constructor sharing BrokenCircuitError's prototype: `new` lets the engine size the
// object for its fields at once, and nothing of the engine's Error machinery runs (even with no
// stack frames, constructing a native Error costs hundreds of nanoseconds).
const CheapBrokenCircuitError = function (
  this: Fields,
  source: string,
  state: CircuitState,
  reason: unknown,
  retryAfter: number | undefined,
) {
  this.name = 'BrokenCircuitError';
  this.message = `The circuit "${source}" is ${state}`;
  this.cause = reason;
  this.code = 'DYNO_BROKEN';
  this.source = source;
  this.reason = reason;
  this.state = state;
  this.retryAfter = retryAfter;
} as unknown as new (
  source: string,
  state: CircuitState,
  reason: unknown,
  retryAfter: number | undefined,
) => BrokenCircuitError;
CheapBrokenCircuitError.prototype = BrokenCircuitError.prototype;

/**
 * Makes the rejection of a short-circuited call cheaply: an object with `BrokenCircuitError`'s
 * prototype and fields (so `instanceof BrokenCircuitError`, `Error` and `DynoError` hold) that
 * is not an engine Error: no stack frames (capturing them costs far more than the refused call,
 * and the refusal surfaces at the caller's `await` anyway).
 */
export function brokenCircuit(
  source: string,
  state: CircuitState,
  reason: unknown,
  retryAfter?: number,
): BrokenCircuitError {
  return new CheapBrokenCircuitError(source, state, reason, retryAfter);
}
