import {
  type Awaitable,
  abortReason,
  check,
  checkAnswer,
  checkFunction,
  checkOptions,
  type Disposable,
  type Event,
  type ExecuteContext,
  type ExecuteOptions,
  is,
  NEVER_ABORTED,
  type Policy,
  rejectSoon,
  toDisposable,
  toPromise,
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
import { type Config, PKG, resolveBreaker } from './internal/config.js';
import { Emitters } from './internal/emitters.js';
import { type CallOutcome, Permit, type PermitSink } from './internal/permit.js';
import { reasonOf } from './internal/reasons.js';
import { type ProbeWatch, RELEASED, saveCircuit, Trip } from './internal/trip.js';
import type { CircuitBreakerOptions } from './options.js';
import type { CircuitPermit } from './permit.js';
import type { CircuitSnapshot } from './snapshot.js';
import type { Strategy } from './strategies/strategy.js';

// Handed to `fn` when the caller gave no signal: no object is made per call.
const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });

/** The outcome of an untimed call admitted while closed in `epoch`, its signal not aborted. */
const untimed = (
  epoch: number,
  value: unknown,
  isError: boolean,
  now: number | undefined,
): CallOutcome => ({ epoch, start: undefined, value, isError, aborted: false, now });

// Called only for an `fn` that is not a function: the executor throws checkFunction's TypeError.
const notAFunction = (fn: unknown): Promise<never> =>
  new Promise(() => checkFunction(PKG, 'fn', fn));

// A `signal` that is not an `AbortSignal` is refused before a call is admitted: a half-open
// probe's permit, taken first, was never given back when watching the signal threw.
const checkSignal = (signal: unknown): void => check(PKG, 'signal', signal, is.signal);

/**
 * A circuit breaker that trips itself. Closed, it runs calls and feeds their outcomes to its trip
 * strategy; open, it rejects calls with `BrokenCircuitError` until `openDuration` has passed;
 * half-open, it lets `halfOpenProbes` probes through and closes after `halfOpenSuccesses`
 * successes (or by `halfOpenRatio`), or re-opens on a failed or hung probe. It never sets a timer:
 * time is read from the monotonic clock when a call arrives or the state is read. A call's
 * outcome counts only if the circuit has not changed state since the call started.
 */
export class CircuitBreaker implements Policy {
  // Few fields on purpose (each costs every instance): the settings live in a shared config,
  // what only a tripped circuit needs lives in `#trip`, and emitters are made on first use.
  /** The instance name used in events, errors and metrics. */
  readonly name: string;
  readonly #config: Config;
  readonly #strategy: Strategy;
  #state: CircuitState = 'closed';
  // bumped on every transition (and by `reset()`); a call remembers the epoch it started in
  #epoch = 0;
  #trip: Trip | undefined;
  #events: Emitters | undefined;
  // the settle callbacks of the fast path, shared by every call of one closed epoch
  #succeeded: ((value: unknown) => unknown) | undefined;
  #failed: ((error: unknown) => never) | undefined;
  // what `acquire`'s permits report to, made on the first `acquire`
  #sink: PermitSink | undefined;

  /** Throws `TypeError` or `RangeError` for bad options, before anything is built. */
  constructor(options?: CircuitBreakerOptions) {
    const r = resolveBreaker(options);
    this.name = r.name;
    this.#config = r.config;
    this.#strategy = r.strategy;
    if (r.snapshot !== undefined) this.#restore(r.snapshot);
  }

  /** The current state; reading it may move an open circuit to half-open when its time is up. */
  get state(): CircuitState {
    if (this.#state === 'open' || this.#state === 'half-open')
      this.#refresh(this.#config.clock.now());
    return this.#state;
  }

  /**
   * Runs `fn` if the circuit admits the call, and otherwise rejects at once with
   * `BrokenCircuitError`. The outcome is classified with `isFailure`; an outcome of a call whose
   * `signal` aborted counts as neither success nor failure. If `isFailure` throws, the call
   * rejects with what it threw and its outcome counts as neither. Options that are not an object
   * reject the call with a `TypeError` naming them, counting nothing.
   */
  execute<T>(fn: (context: ExecuteContext) => Awaitable<T>, options?: ExecuteOptions): Promise<T> {
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      try {
        checkOptions(PKG, options);
        signal = options.signal;
      } catch (error) {
        // a getter that throws rejects the call, as a bad option does
        return Promise.reject(error);
      }
    }
    if (this.#state !== 'closed' || signal !== undefined || this.#timed()) {
      return this.#guarded(fn, signal);
    }
    // the hot path: closed, untimed, no signal; the callbacks are shared by every call of this
    // epoch, so nothing is made per call
    const succeeded = this.#succeeded ?? this.#makeHandlers();
    let result: Awaitable<T>;
    try {
      result = fn(NO_SIGNAL);
    } catch (error) {
      // checked only once the call threw, so the success path pays nothing; nothing is counted
      if (typeof fn !== 'function') return notAFunction(fn);
      result = Promise.reject(error);
    }
    // never the result's own `then` (or its `constructor`): either could count one call twice
    return toPromise(result).then(succeeded, this.#failed) as Promise<T>;
  }

  #guarded<T>(
    fn: (context: ExecuteContext) => Awaitable<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (typeof fn !== 'function') return notAFunction(fn);
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return new Promise(() => checkSignal(signal));
    }
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let probe: number | undefined;
    if (this.#state !== 'closed' && this.#state !== 'disabled') {
      const admitted = this.#admit();
      if (typeof admitted === 'object') return rejectSoon(admitted);
      probe = admitted;
    }
    return this.#run(fn, signal, probe);
  }

  /** `probe` is the start of a half-open probe, `undefined` for any other call. */
  async #run<T>(
    fn: (context: ExecuteContext) => Awaitable<T>,
    signal: AbortSignal | undefined,
    probe: number | undefined,
  ): Promise<T> {
    const epoch = this.#epoch;
    const watch = probe === undefined ? undefined : this.#watchProbe(epoch, signal, probe);
    const start = probe ?? this.#startTime();
    let value: unknown;
    let isError = false;
    try {
      value = await fn(signal === undefined ? NO_SIGNAL : { signal });
    } catch (error) {
      value = error;
      isError = true;
    }
    watch?.subscription.dispose();
    this.#settle({
      epoch: watch?.released === true ? RELEASED : epoch,
      start,
      value,
      isError,
      aborted: signal?.aborted === true,
      now: undefined,
    });
    if (isError) throw value;
    return value as T;
  }

  #makeHandlers(): (value: unknown) => unknown {
    const epoch = this.#epoch;
    this.#failed = (error) => {
      this.#settle(untimed(epoch, error, true, undefined));
      throw error;
    };
    this.#succeeded = (value) => {
      this.#succeed(epoch, value, undefined);
      return value;
    };
    return this.#succeeded;
  }

  /**
   * A success of an untimed call admitted while closed in `epoch`: the short count when no
   * `isFailure` can call it a failure, otherwise the general settle. `given` is the clock time
   * if the caller passed it.
   */
  #succeed(epoch: number, value: unknown, given: number | undefined): void {
    if (this.#config.isFailure === undefined) this.#countSuccess(epoch, value, given);
    else this.#settle(untimed(epoch, value, false, given));
  }

  /**
   * A judged success of an untimed call admitted while closed in `epoch`. The common case in
   * short: nobody listening for successes, the circuit still closed in this epoch (it is while
   * the epoch is the same: every transition starts a new one); otherwise the general count.
   */
  #countSuccess(epoch: number, value: unknown, given: number | undefined): void {
    if (epoch === this.#epoch && this.#events?.success?.hasListeners !== true) {
      const config = this.#config;
      const now = this.#outcomeTime(undefined, given);
      if (this.#strategy.record(false, false, now)) {
        const reason = reasonOf(value, false, false, config.exposeResults);
        this.#open(reason, now ?? config.clock.now());
      }
    } else this.#count(untimed(epoch, value, false, given), false);
  }

  /**
   * Admits one call that the caller runs itself and reports through the returned permit, once:
   * `succeeded`/`failed` to have it judged by `isFailure` as `execute` would, or
   * `countSuccess`/`countFailure`/`release` with the caller's own verdict. For callback and
   * stream APIs, or a wrapper that has the outcome at hand anyway. An outcome reported after the
   * circuit changed state, or after `signal` aborted, is not counted; a half-open probe's permit
   * goes back as soon as `signal` aborts.
   * @throws BrokenCircuitError when the circuit refuses the call, the signal's reason when it
   * has already aborted, or a `TypeError` naming `options` when they are not an object
   *
   * ```ts
   * const permit = breaker.acquire();
   * socket.once('connect', () => permit.succeeded());
   * socket.once('error', (error) => permit.failed(error));
   * ```
   */
  acquire(options?: ExecuteOptions): CircuitPermit {
    checkOptions(PKG, options);
    const signal = options?.signal;
    if (signal !== undefined) checkSignal(signal);
    if (signal?.aborted) throw abortReason(signal);
    const sink = this.#sink ?? this.#makeSink();
    let probe: number | undefined;
    if (this.#state !== 'closed' && this.#state !== 'disabled') {
      const admitted = this.#admit();
      if (typeof admitted === 'object') throw admitted;
      probe = admitted;
    }
    const epoch = this.#epoch;
    const watch = probe === undefined ? undefined : this.#watchProbe(epoch, signal, probe);
    return new Permit(sink, epoch, probe ?? this.#startTime(), signal, watch);
  }

  /**
   * A call's start, read only while a duration is used (slow calls are judged, or someone
   * listens to outcomes): `undefined` leaves the call untimed and saves a clock read.
   */
  #startTime(): number | undefined {
    return this.#timed() ? this.#config.clock.now() : undefined;
  }

  /** A probe of `epoch` with a signal gives its permit back as soon as the signal aborts. */
  #watchProbe(
    epoch: number,
    signal: AbortSignal | undefined,
    start: number,
  ): ProbeWatch | undefined {
    if (signal === undefined) return undefined;
    const trip = this.#trip as Trip;
    return trip.watchProbe(signal, () => {
      if (epoch === this.#epoch) trip.endProbe(start);
    });
  }

  #makeSink(): PermitSink {
    this.#sink = new CircuitBreaker.#Sink(this);
    return this.#sink;
  }

  // One object whose methods are shared by every breaker (a class in this body, the only place
  // that can reach the breaker's private state), not three closures per breaker.
  static readonly #Sink = class BreakerSink implements PermitSink {
    constructor(readonly breaker: CircuitBreaker) {}

    settle(outcome: CallOutcome): void {
      const b = this.breaker;
      const { epoch, start, value, isError, now } = outcome;
      // the short success path holds only for a call admitted while closed
      if (start === undefined && !isError && b.#state === 'closed') b.#succeed(epoch, value, now);
      else b.#settle(outcome);
    }

    count(outcome: CallOutcome, failure: boolean): void {
      const b = this.breaker;
      const { epoch, start, value, now } = outcome;
      if (start === undefined && !failure && b.#state === 'closed') {
        b.#countSuccess(epoch, value, now);
      } else b.#count(outcome, failure);
    }

    release(epoch: number, start: number | undefined): void {
      this.breaker.#release(epoch, start);
    }
  };

  /**
   * Holds the circuit open (state `isolated`) until every returned `Disposable` is disposed; then
   * it closes with an empty window. Isolations nest: the first reason is kept. `close()`,
   * `reset()` and `disable()` end every isolation (their `Disposable`s then do nothing).
   */
  isolate(reason?: unknown): Disposable {
    this.#trip ??= new Trip();
    const trip = this.#trip;
    let from: CircuitState = 'isolated';
    if (this.#state !== 'isolated') {
      from = this.#transition('isolated');
      trip.reason = reason;
    }
    trip.isolations++;
    const epoch = this.#epoch;
    if (from !== 'isolated') this.#events?.emitBreak(this.name, from, 'isolated', reason);
    return toDisposable(() => {
      if (epoch === this.#epoch && --trip.isolations === 0) this.#close();
    });
  }

  /**
   * Closes the circuit now, whatever its state (open, half-open, isolated, disabled): an empty
   * window, no backoff, calls started before count for nothing. Does nothing when closed.
   */
  close(): void {
    if (this.#state !== 'closed') this.#close();
  }

  /**
   * The circuit as new: closed with an empty window and no backoff, even when it was closed
   * (then without an event); outcomes of calls started before are not counted.
   */
  reset(): void {
    this.#close();
  }

  /**
   * Count-only mode (state `disabled`): every call runs, none is rejected, and outcomes are still
   * counted (the window, `onSuccess`, `onFailure`), but the circuit never opens by itself. Ends
   * with `close()`/`reset()` (or `isolate()`, which takes over). Does nothing when disabled.
   */
  disable(): void {
    if (this.#state === 'disabled') return;
    const from = this.#transition('disabled');
    this.#events?.emitChange(this.name, from, 'disabled');
  }

  /** The state as plain JSON, to save and pass back as the `snapshot` option later. */
  snapshot(): CircuitSnapshot {
    const now = this.#config.clock.now();
    this.#refresh(now);
    return saveCircuit(this.#state, this.#trip, this.#config, now, this.#strategy.snapshot(now));
  }

  /** One event per transition, with `from` and `to`. */
  get onStateChange(): Event<StateChangeEvent> {
    return this.#ev().get('stateChange').event;
  }
  /**
   * The circuit opened or was isolated; `reason` is the error that tripped it (a result is
   * described unless `exposeResults`), or the reason given to `isolate`.
   */
  get onBreak(): Event<BreakEvent> {
    return this.#ev().get('break').event;
  }
  /** The open duration passed and probes may run. */
  get onHalfOpen(): Event<NameEvent> {
    return this.#ev().get('halfOpen').event;
  }
  /** The circuit closed again (probes succeeded, the last isolation ended, `close`, `reset`). */
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
    if (this.#events === undefined) this.#events = new Emitters(this.name);
    return this.#events;
  }

  #timed(): boolean {
    return this.#strategy.slowCallDuration !== undefined || this.#events?.timed() === true;
  }

  /**
   * Admits a call into an open, half-open or isolated circuit: a probe's start, `undefined` for a
   * plain call (an `onHalfOpen` listener closed or disabled the circuit), or the rejection.
   */
  #admit(): number | undefined | BrokenCircuitError {
    const now = this.#config.clock.now();
    this.#refresh(now);
    const state = this.#state;
    if (state === 'closed' || state === 'disabled') return undefined;
    const trip = this.#trip as Trip;
    if (state === 'half-open' && trip.admitProbe(now, this.#config)) return now;
    this.#events?.emitReject(this.name, state);
    const retryAfter = this.#state === 'open' ? trip.at - now : undefined;
    return brokenCircuit(this.name, state, trip.reason, retryAfter);
  }

  /** The lazy clock-driven transitions: open → half-open, and a hung probe re-opening. */
  #refresh(now: number): void {
    if (this.#state === 'open') {
      if (now >= (this.#trip as Trip).at) {
        const from = this.#transition('half-open');
        this.#events?.emitHalfOpen(this.name, from, 'half-open');
      }
    } else if (this.#state === 'half-open') {
      const wait = this.#config.halfOpenMaxWait;
      if ((this.#trip as Trip).hung(now, wait)) {
        this.#reopen(new ProbeTimeoutError(this.name, wait), now);
      }
    }
  }

  /**
   * Whether this breaker counts an outcome as a failure: by the `isFailure` option when it was
   * given, otherwise every error and no result. Lets a wrapper (a fallback) agree with the
   * breaker. (Not named `isFailure`: beside the option of that name, a union of the two would
   * leave an inline `isFailure` option's parameters untyped.)
   * @throws what `isFailure` threw, if it threw
   */
  countsAsFailure(value: unknown, kind: 'error' | 'result' = 'error'): boolean {
    const isFailure = this.#config.isFailure;
    return isFailure === undefined
      ? kind === 'error'
      : checkAnswer(PKG, 'isFailure', isFailure(value, kind)) === true;
  }

  /**
   * Judges one outcome with `isFailure` and counts it. A throwing `isFailure` counts it as
   * neither (a probe's permit goes back) and its error is thrown to the caller.
   */
  #settle(outcome: CallOutcome): void {
    let failure: boolean;
    try {
      failure = this.countsAsFailure(outcome.value, outcome.isError ? 'error' : 'result');
    } catch (error) {
      this.#release(outcome.epoch, outcome.start);
      throw error;
    }
    this.#count(outcome, failure);
  }

  /** Counts one judged outcome: `failure` is the verdict. */
  #count(outcome: CallOutcome, failure: boolean): void {
    const { epoch, start, value, isError, aborted, now: given } = outcome;
    const config = this.#config;
    // an error that is not a failure, or any error after the caller aborted, counts as neither
    const ignored = isError && (!failure || aborted);
    const now = this.#outcomeTime(start, given);
    const duration = start === undefined || now === undefined ? 0 : now - start;
    const reason = ignored ? undefined : reasonOf(value, isError, failure, config.exposeResults);
    if (!ignored) this.#events?.emitOutcome(this.name, failure, reason, duration);
    // read above unless a listener of the outcome moved a closed circuit
    if (this.#state !== 'closed') this.#refresh(now ?? config.clock.now());
    if (epoch !== this.#epoch) return;
    const state = this.#state;
    if (state === 'closed' || state === 'disabled') {
      if (ignored) return;
      const slowCall = this.#strategy.slowCallDuration;
      const slow = slowCall !== undefined && duration >= slowCall;
      // a disabled circuit counts but never opens
      if (this.#strategy.record(failure, slow, now) && state === 'closed') {
        this.#open(reason, now ?? config.clock.now());
      }
    } else if (state === 'half-open') {
      const trip = this.#trip as Trip;
      // every call admitted in a half-open epoch is a probe, and a probe has a start
      trip.endProbe(start as number);
      if (ignored) return;
      const verdict = trip.judge(failure, config);
      // a circuit that is not closed read the time above
      if (verdict === 'reopen') this.#reopen(reason, now as number);
      else if (verdict === 'close') this.#close();
    }
  }

  /**
   * The clock time of an outcome: `given` when the caller passed it, else read only if it is
   * used (a timed call's duration, a strategy that places outcomes in time, a circuit that is
   * not closed); `undefined` otherwise, and read later should the circuit open. An untimed
   * success of a count-based breaker with `isFailure` then takes no clock read (110 → 80-86 ns).
   */
  #outcomeTime(start: number | undefined, given: number | undefined): number | undefined {
    if (given !== undefined) return given;
    const used = start !== undefined || this.#strategy.timed || this.#state !== 'closed';
    return used ? this.#config.clock.now() : undefined;
  }

  /** A permit given back without an outcome: a probe of `epoch` started at `start` ends. */
  #release(epoch: number, start: number | undefined): void {
    if (this.#state !== 'closed') this.#refresh(this.#config.clock.now());
    // as in `#count`: a call of a half-open epoch is a probe, with a start
    if (epoch === this.#epoch && this.#state === 'half-open') {
      (this.#trip as Trip).endProbe(start as number);
    }
  }

  #transition(to: CircuitState): CircuitState {
    const from = this.#state;
    this.#trip ??= new Trip();
    this.#trip.enter();
    this.#state = to;
    this.#epoch++;
    this.#succeeded = this.#failed = undefined;
    return from;
  }

  /** A closed circuit trips: open for the base `openDuration`. */
  #open(reason: unknown, now: number): void {
    const from = this.#transition('open');
    (this.#trip as Trip).opened(reason, now, this.#config);
    this.#events?.emitBreak(this.name, from, 'open', reason);
  }

  /** A probe failed or hung: open again, for longer with each failed probe in a row. */
  #reopen(reason: unknown, now: number): void {
    const from = this.#transition('open');
    (this.#trip as Trip).reopened(reason, now, this.#config);
    this.#events?.emitBreak(this.name, from, 'open', reason);
  }

  /** Closed with an empty window and no backoff; `onReset` unless it was closed already. */
  #close(): void {
    const from = this.#transition('closed');
    (this.#trip as Trip).closed();
    this.#strategy.reset();
    if (from !== 'closed') this.#events?.emitReset(this.name, from, 'closed');
  }

  #restore(s: CircuitSnapshot): void {
    const now = this.#config.clock.now();
    const trip = new Trip();
    this.#trip = trip;
    this.#state = trip.restore(s, this.#config, now);
    this.#strategy.restore(s.window, now);
  }
}
