import { format } from '@dyno/core';
import type { CircuitPermit } from '../permit.js';
import type { ProbeWatch } from './trip.js';

/** One finished call, as `execute` or a permit reports it to the breaker. */
export interface Report {
  /**
   * The epoch the call was admitted in, or `undefined` when its outcome counts in none (a probe
   * whose permit went back when its signal aborted).
   */
  readonly epoch: number | undefined;
  /**
   * When the call started on the breaker's clock (a probe: when it was admitted), or `undefined`
   * for an untimed call.
   */
  readonly start: number | undefined;
  /** What the call returned or threw. */
  readonly value: unknown;
  /** Whether `value` was thrown (or rejected) or returned. */
  readonly kind: 'error' | 'result';
  /** The caller's signal had aborted by the time of the outcome. */
  readonly aborted: boolean;
  /** The clock time of the outcome when the caller passed it; read when needed otherwise. */
  readonly now: number | undefined;
}

/** The breaker's side of its permits (made once per breaker, on the first `acquire`). */
export interface PermitSink {
  /** One outcome, judged as `execute` judges it. */
  settle(report: Report): void;
  /** One outcome the caller judged: `failure` is the verdict. */
  count(report: Report, failure: boolean): void;
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
   * `start` is `undefined` for an untimed call; `watch` watches a probe's signal (its outcome
   * counts in no epoch once the caller aborted).
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

  succeeded(result?: unknown, now?: number): void {
    const sink = this.#take();
    if (sink !== undefined) sink.settle(this.#report(result, 'result', now));
  }

  failed(error: unknown, now?: number): void {
    const sink = this.#take();
    if (sink !== undefined) sink.settle(this.#report(error, 'error', now));
  }

  countSuccess(result?: unknown, now?: number): void {
    const sink = this.#take();
    if (sink !== undefined) sink.count(this.#report(result, 'result', now), false);
  }

  countFailure(value: unknown, kind: 'error' | 'result' = 'error', now?: number): void {
    if (kind !== 'error' && kind !== 'result') {
      throw new TypeError(
        `@dyno/breaker: \`kind\` must be "error" or "result"; received ${format(kind)}`,
      );
    }
    const sink = this.#take();
    if (sink !== undefined) sink.count(this.#report(value, kind, now), true);
  }

  release(): void {
    const sink = this.#take();
    if (sink !== undefined && this.#watch?.released !== true) {
      sink.release(this.#epoch, this.#start);
    }
  }

  // called after `#take`, so a probe's signal is no longer watched
  #report(value: unknown, kind: 'error' | 'result', now: number | undefined): Report {
    return {
      epoch: this.#watch?.released === true ? undefined : this.#epoch,
      start: this.#start,
      value,
      kind,
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
