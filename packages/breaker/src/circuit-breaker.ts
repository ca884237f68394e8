import {
  type Awaitable,
  abortReason,
  type Clock,
  type Disposable,
  type Event,
  type ExecuteContext,
  type ExecuteOptions,
  NEVER_ABORTED,
  onAbort,
  type Policy,
  toDisposable,
} from '@dyno/core';
import { type BrokenCircuitError, brokenCircuit, ProbeTimeoutError } from './errors.js';
import type {
  BreakEvent,
  CircuitState,
  FailureEvent,
  NameEvent,
  RejectEvent,
  StateChangeEvent,
  SuccessEvent,
} from './events.js';
import { type Config, resolveBreaker } from './internal/config.js';
import { Emitters } from './internal/emitters.js';
import type { CircuitBreakerOptions } from './options.js';
import type { CircuitSnapshot } from './snapshot.js';
import type { Strategy } from './strategies/strategy.js';

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const ISOLATED = 3;
const STATES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

// Handed to `fn` when the caller gave no signal: no object is made per call.
const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });

/** The settle callbacks of the calls of one closed epoch. */
interface Handlers {
  readonly succeeded: (value: unknown) => unknown;
  readonly failed: (error: unknown) => never;
}

/** A half-open probe made with a signal: its permit goes back as soon as the caller aborts. */
interface ProbeWatch {
  released: boolean;
  subscription: Disposable;
}

/**
 * A circuit breaker that trips itself. Closed, it runs calls and feeds their outcomes to its trip
 * strategy; open, it rejects calls with `BrokenCircuitError` until `openDuration` has passed;
 * half-open, it lets `halfOpenProbes` probes through and closes after `halfOpenSuccesses`
 * successes, or re-opens on a failed or hung probe. It never sets a timer: time is read from the
 * monotonic clock when a call arrives or the state is read. A call's outcome counts only if the
 * circuit has not changed state since the call started.
 */
export class CircuitBreaker implements Policy {
  /** The instance name used in events, errors and metrics. */
  readonly name: string;
  readonly #clock: Clock;
  readonly #strategy: Strategy;
  readonly #config: Config;
  #state = CLOSED;
  // bumped on every transition; a call remembers the epoch it started in
  #epoch = 0;
  // open: when probes may start; half-open: when the oldest running probe started
  #at = 0;
  #reopens = 0;
  #probes = 0;
  #successes = 0;
  #isolations = 0;
  #reason: unknown;
  #events: Emitters | undefined;
  #handlers: Handlers | undefined;

  /** Throws `TypeError` or `RangeError` for bad options, before anything is built. */
  constructor(options?: CircuitBreakerOptions) {
    const r = resolveBreaker(options);
    this.name = r.name;
    this.#clock = r.clock;
    this.#strategy = r.strategy;
    this.#config = r.config;
    if (r.snapshot !== undefined) this.#restore(r.snapshot);
  }

  /** The current state; reading it may move an open circuit to half-open when its time is up. */
  get state(): CircuitState {
    if (this.#state === OPEN || this.#state === HALF_OPEN) this.#refresh(this.#clock.now());
    return STATES[this.#state] as CircuitState;
  }

  /**
   * Runs `fn` if the circuit admits the call, and otherwise rejects at once with
   * `BrokenCircuitError`. The outcome is classified with `isFailure`; an outcome of a call whose
   * `signal` aborted counts as neither success nor failure.
   */
  execute<T>(fn: (context: ExecuteContext) => Awaitable<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let probe = false;
    if (this.#state !== CLOSED) {
      const admitted = this.#admit();
      if (typeof admitted !== 'boolean') return Promise.reject(admitted);
      probe = admitted;
    }
    if (probe || signal !== undefined || this.#timed()) return this.#run(fn, signal, probe);
    // the hot path: closed, untimed, no signal; the handlers are shared by every call of this
    // epoch, so nothing is made per call
    if (this.#handlers === undefined) this.#handlers = this.#makeHandlers();
    const handlers = this.#handlers;
    let result: Awaitable<T>;
    try {
      result = fn(NO_SIGNAL);
    } catch (error) {
      result = Promise.reject(error);
    }
    return Promise.resolve(result).then(handlers.succeeded, handlers.failed) as Promise<T>;
  }

  async #run<T>(
    fn: (context: ExecuteContext) => Awaitable<T>,
    signal: AbortSignal | undefined,
    probe: boolean,
  ): Promise<T> {
    const epoch = this.#epoch;
    const watch = probe && signal !== undefined ? this.#watch(signal, epoch) : undefined;
    // NaN marks an untimed call; timing costs a clock read, so only when it is used
    const start = this.#timed() ? this.#clock.now() : Number.NaN;
    let value: T;
    try {
      value = await fn(signal === undefined ? NO_SIGNAL : { signal });
    } catch (error) {
      this.#settle(epoch, start, error, true, signal, watch);
      throw error;
    }
    this.#settle(epoch, start, value, false, signal, watch);
    return value;
  }

  #makeHandlers(): Handlers {
    const epoch = this.#epoch;
    return {
      succeeded: (value) => {
        this.#settle(epoch, Number.NaN, value, false, undefined, undefined);
        return value;
      },
      failed: (error) => {
        this.#settle(epoch, Number.NaN, error, true, undefined, undefined);
        throw error;
      },
    };
  }

  /**
   * Holds the circuit open (state `isolated`) until every returned `Disposable` is disposed; then
   * it closes with an empty window. Isolations nest: the first reason is kept.
   */
  isolate(reason?: unknown): Disposable {
    if (this.#isolations++ === 0) {
      const from = this.#transition(ISOLATED);
      this.#reason = reason;
      this.#emitBreak(from, ISOLATED, reason);
    }
    return toDisposable(() => {
      if (--this.#isolations === 0) this.#close();
    });
  }

  /** The state as plain JSON, to save and pass back as the `snapshot` option later. */
  snapshot(): CircuitSnapshot {
    const now = this.#clock.now();
    this.#refresh(now);
    const state = this.#state;
    return {
      version: 1,
      state: state === ISOLATED ? 'open' : (STATES[state] as 'closed' | 'open' | 'half-open'),
      openRemaining:
        state === OPEN ? this.#at - now : state === ISOLATED ? this.#openDuration() : 0,
      reopenCount: this.#reopens,
      window: this.#strategy.snapshot(now),
    };
  }

  /** One event per transition, with `from` and `to`. */
  get onStateChange(): Event<StateChangeEvent> {
    return this.#ev().get('stateChange').event;
  }
  /** The circuit opened or was isolated; `reason` is the error or result that tripped it. */
  get onBreak(): Event<BreakEvent> {
    return this.#ev().get('break').event;
  }
  /** The open duration passed and probes may run. */
  get onHalfOpen(): Event<NameEvent> {
    return this.#ev().get('halfOpen').event;
  }
  /** The circuit closed again (probes succeeded, or the last isolation ended). */
  get onReset(): Event<NameEvent> {
    return this.#ev().get('reset').event;
  }
  /** A call succeeded (`duration` is measured only while someone listens). */
  get onSuccess(): Event<SuccessEvent> {
    return this.#ev().get('success').event;
  }
  /** A call failed (`duration` is measured only while someone listens). */
  get onFailure(): Event<FailureEvent> {
    return this.#ev().get('failure').event;
  }
  /** A call was short-circuited without running. */
  get onReject(): Event<RejectEvent> {
    return this.#ev().get('reject').event;
  }

  #ev(): Emitters {
    if (this.#events === undefined) this.#events = new Emitters();
    return this.#events;
  }

  #timed(): boolean {
    const ev = this.#events;
    return (
      this.#strategy.slowCallDuration !== undefined ||
      (ev !== undefined && (ev.success?.hasListeners === true || ev.failure?.hasListeners === true))
    );
  }

  /** Admits a call into a circuit that is not closed: true for a probe, or the rejection. */
  #admit(): boolean | BrokenCircuitError {
    const now = this.#clock.now();
    this.#refresh(now);
    if (this.#state === HALF_OPEN && this.#probes < this.#config.halfOpenProbes) {
      if (this.#probes++ === 0) this.#at = now;
      return true;
    }
    const state = STATES[this.#state] as CircuitState;
    const reject = this.#events?.reject;
    if (reject?.hasListeners) reject.emit({ name: this.name, state });
    const retryAfter = this.#state === OPEN ? this.#at - now : undefined;
    return brokenCircuit(this.name, state, this.#reason, retryAfter);
  }

  /** The lazy clock-driven transitions: open → half-open, and a hung probe re-opening. */
  #refresh(now: number): void {
    if (this.#state === OPEN) {
      if (now >= this.#at) {
        const from = this.#transition(HALF_OPEN);
        const ev = this.#events;
        if (ev?.halfOpen?.hasListeners) ev.halfOpen.emit({ name: this.name });
        this.#emitChange(from, HALF_OPEN);
      }
    } else if (this.#state === HALF_OPEN && this.#probes > 0) {
      const wait = this.#config.halfOpenMaxWait;
      if (now - this.#at >= wait) this.#open(new ProbeTimeoutError(this.name, wait), now, true);
    }
  }

  #watch(signal: AbortSignal, epoch: number): ProbeWatch {
    const watch: ProbeWatch = { released: false, subscription: undefined as never };
    watch.subscription = onAbort(signal, () => {
      watch.released = true;
      if (epoch === this.#epoch) this.#probes--;
    });
    return watch;
  }

  #settle(
    epoch: number,
    start: number,
    value: unknown,
    isError: boolean,
    signal: AbortSignal | undefined,
    watch: ProbeWatch | undefined,
  ): void {
    watch?.subscription.dispose();
    const classify = this.#config.isFailure;
    let failure = isError;
    if (classify !== undefined) failure = this.#classify(classify, value, isError);
    // an error that is not a failure, or any error after the caller aborted, counts as neither
    const ignored = isError && (!failure || signal?.aborted === true);
    const timed = !Number.isNaN(start);
    // 0 when the clock was not needed; read later if the circuit opens
    const now = timed || this.#strategy.timed || this.#state !== CLOSED ? this.#clock.now() : 0;
    const duration = timed ? now - start : 0;
    if (!ignored) this.#emitOutcome(failure, value, duration);
    if (this.#state !== CLOSED) this.#refresh(now);
    if (epoch !== this.#epoch || watch?.released === true) return;
    if (this.#state === CLOSED) {
      if (ignored) return;
      const slowCall = this.#strategy.slowCallDuration;
      const slow = slowCall !== undefined && duration >= slowCall;
      if (this.#strategy.record(failure, slow, now)) {
        this.#open(value, now === 0 ? this.#clock.now() : now, false);
      }
    } else if (this.#state === HALF_OPEN) {
      this.#probes--;
      if (ignored) return;
      if (failure) this.#open(value, now, true);
      else if (++this.#successes >= this.#config.halfOpenSuccesses) this.#close();
    }
  }

  #classify(classify: NonNullable<Config['isFailure']>, value: unknown, isError: boolean): boolean {
    try {
      return classify(value, isError ? 'error' : 'result') === true;
    } catch (error) {
      // a broken classifier must not hide the outcome: count it as a failure, report the bug
      queueMicrotask(() => {
        throw error;
      });
      return true;
    }
  }

  #emitOutcome(failure: boolean, value: unknown, duration: number): void {
    const ev = this.#events;
    if (ev === undefined) return;
    if (failure) {
      if (ev.failure?.hasListeners) ev.failure.emit({ name: this.name, duration, error: value });
    } else if (ev.success?.hasListeners) {
      ev.success.emit({ name: this.name, duration });
    }
  }

  #transition(to: number): number {
    const from = this.#state;
    this.#state = to;
    this.#epoch++;
    this.#handlers = undefined;
    this.#probes = 0;
    this.#successes = 0;
    return from;
  }

  #openDuration(): number {
    const { openDuration, backoffFactor, maxOpenDuration } = this.#config;
    return Math.min(maxOpenDuration, openDuration * backoffFactor ** this.#reopens);
  }

  #open(reason: unknown, now: number, failedProbe: boolean): void {
    const from = this.#transition(OPEN);
    this.#reopens = failedProbe ? this.#reopens + 1 : 0;
    this.#at = now + this.#openDuration();
    this.#reason = reason;
    this.#emitBreak(from, OPEN, reason);
  }

  #close(): void {
    const from = this.#transition(CLOSED);
    this.#reopens = 0;
    this.#reason = undefined;
    this.#strategy.reset();
    const ev = this.#events;
    if (ev?.reset?.hasListeners) ev.reset.emit({ name: this.name });
    this.#emitChange(from, CLOSED);
  }

  #emitBreak(from: number, to: number, reason: unknown): void {
    const ev = this.#events;
    if (ev?.break?.hasListeners) ev.break.emit({ name: this.name, reason });
    this.#emitChange(from, to);
  }

  #emitChange(from: number, to: number): void {
    const ev = this.#events?.stateChange;
    if (ev?.hasListeners) {
      ev.emit({
        name: this.name,
        from: STATES[from] as CircuitState,
        to: STATES[to] as CircuitState,
      });
    }
  }

  #restore(s: CircuitSnapshot): void {
    const now = this.#clock.now();
    this.#reopens = s.reopenCount;
    this.#strategy.restore(s.window, now);
    if (s.state === 'open') {
      this.#state = OPEN;
      this.#at = now + Math.min(s.openRemaining, this.#openDuration());
    } else if (s.state === 'half-open') {
      this.#state = HALF_OPEN;
    }
  }
}
