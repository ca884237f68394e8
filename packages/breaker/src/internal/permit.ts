import { check, format, type Rule } from '@dyno/core';
import type { CircuitPermit } from '../permit.js';
import { type ProbeWatch, RELEASED } from './trip.js';

// A `now` that is not a finite number would poison the circuit for good: a time window whose
// buckets never roll again, or an open time that never comes.
const CLOCK_TIME: Rule = {
  expected: "a time in ms on the breaker's clock (a finite number)",
  test: (v) => (typeof v !== 'number' ? 'type' : Number.isFinite(v) ? undefined : 'range'),
};

/** One outcome of a call the breaker admitted, as the call reports it. */
export interface CallOutcome {
  /** The epoch the call was admitted in (`RELEASED` for a probe whose permit already went back). */
  readonly epoch: number;
  /**
   * When the call started on the breaker's clock; `undefined` for an untimed call. A half-open
   * probe always has one: it names its permit and times its hung-probe wait.
   */
  readonly start: number | undefined;
  /** The call's result, or its error when `isError`. */
  readonly value: unknown;
  readonly isError: boolean;
  /** The caller's signal had aborted by then. */
  readonly aborted: boolean;
  /** The clock time at the outcome when the caller passed it (it saves a read), else `undefined`. */
  readonly now: number | undefined;
}

/** The breaker's side of its permits (made once per breaker, on the first `acquire`). */
export interface PermitSink {
  /** One reported outcome, judged as `execute` judges it. */
  settle(outcome: CallOutcome): void;
  /** One outcome the caller judged: `failure` is the verdict. */
  count(outcome: CallOutcome, failure: boolean): void;
  /** A permit given back without an outcome: a probe of `epoch` started at `start` frees its slot. */
  release(epoch: number, start: number | undefined): void;
}

/**
 * A `CircuitPermit`: settles its breaker once, with the epoch and start of its admission (a
 * probe's start is its admission time, so its hung-probe wait is its own).
 */
export class Permit implements CircuitPermit {
  #sink: PermitSink | undefined;
  readonly #epoch: number;
  readonly #start: number | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #watch: ProbeWatch | undefined;

  /**
   * `start` is `undefined` for an untimed call; `watch` watches a probe's signal (its epoch counts as
   * `RELEASED` once the caller aborted).
   */
  constructor(
    sink: PermitSink,
    epoch: number,
    start: number | undefined,
    signal: AbortSignal | undefined,
    watch: ProbeWatch | undefined,
  ) {
    this.#sink = sink;
    this.#epoch = epoch;
    this.#start = start;
    this.#signal = signal;
    this.#watch = watch;
  }

  /**
   * @internal One permit kept for good, so V8 keeps the hidden classes a new permit steps
   * through while none is alive at a full collection (see `TimedRun.shapeKeeper` in
   * `@dyno/pool`): without it, the code built on them was thrown away after every one.
   */
  static readonly shapeKeeper: object = new Permit(
    { settle: () => {}, count: () => {}, release: () => {} },
    0,
    undefined,
    undefined,
    undefined,
  );

  succeeded(result?: unknown, now?: number): void {
    this.#report(result, false, now);
  }

  failed(error: unknown, now?: number): void {
    this.#report(error, true, now);
  }

  countSuccess(result?: unknown, now?: number): void {
    this.#count(false, result, false, now);
  }

  countFailure(value: unknown, kind: 'error' | 'result' = 'error', now?: number): void {
    if (kind !== 'error' && kind !== 'result') {
      throw new TypeError(
        `@dyno/breaker: \`kind\` must be "error" or "result"; received ${format(kind)}`,
      );
    }
    this.#count(true, value, kind === 'error', now);
  }

  release(): void {
    const sink = this.#take();
    if (sink !== undefined && this.#watch?.released !== true)
      sink.release(this.#epoch, this.#start);
  }

  #report(value: unknown, isError: boolean, now: number | undefined): void {
    if (now !== undefined) check('@dyno/breaker', 'now', now, CLOCK_TIME);
    const sink = this.#take();
    if (sink !== undefined) sink.settle(this.#outcome(value, isError, now));
  }

  #count(failure: boolean, value: unknown, isError: boolean, now: number | undefined): void {
    if (now !== undefined) check('@dyno/breaker', 'now', now, CLOCK_TIME);
    const sink = this.#take();
    if (sink !== undefined) sink.count(this.#outcome(value, isError, now), failure);
  }

  #outcome(value: unknown, isError: boolean, now: number | undefined): CallOutcome {
    return {
      epoch: this.#watch?.released === true ? RELEASED : this.#epoch,
      start: this.#start,
      value,
      isError,
      aborted: this.#signal?.aborted === true,
      now,
    };
  }

  // the sink once, then never again; a probe's signal is no longer watched
  #take(): PermitSink | undefined {
    const sink = this.#sink;
    if (sink === undefined) return undefined;
    this.#sink = undefined;
    this.#watch?.subscription.dispose();
    return sink;
  }
}
