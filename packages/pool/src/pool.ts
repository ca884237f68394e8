import {
  type Awaitable,
  abortReason,
  type Clock,
  DisposedError,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  NEVER_ABORTED,
  type Policy,
  resolveOptions,
  steadyClock,
  validate,
} from '@dyno/core';
import { type AdaptiveLimit, resolveAdaptive } from './adaptive.js';
import { PoolFullError } from './errors.js';
import type {
  PoolAbandonEvent,
  PoolLimitEvent,
  PoolSettleEvent,
  PoolStartEvent,
  RejectEvent,
  SettleOutcome,
  TimeoutEvent,
} from './events.js';
import { callSignal, callTimeout, notASignal, notATask } from './internal/arguments.js';
import { type LimitAlgorithm, makeAlgorithm } from './internal/limit-algorithm.js';
import { type DeadlineEvents, PoolTiming } from './internal/pool-timing.js';
import { runTask, withResolvers } from './internal/promises.js';
import { settleAll } from './internal/settle-all.js';
import { TimedRun } from './internal/timed-run.js';
import { WaitQueue } from './internal/wait-queue.js';
import { newWaiter, type Waiter } from './internal/waiter.js';
import {
  DEFAULT_POOL_OPTIONS,
  POOL_RULES,
  POOL_SIZE_RULES,
  type PoolExecuteOptions,
  type PoolOptions,
  type PoolSize,
} from './options.js';

/** A task run by `Pool.execute` or `Pool.all`. */
export type Task<T> = (context: ExecuteContext) => Awaitable<T>;

/** The settled results of `Pool.all`, in the order of its tasks. */
export type SettledResults<T extends readonly Task<unknown>[]> = {
  -readonly [K in keyof T]: PromiseSettledResult<Awaited<ReturnType<T[K]>>>;
};

type Resolved = Required<Omit<PoolOptions, 'name' | 'abandonAfter' | 'maxAbandoned'>> &
  Pick<PoolOptions, 'name' | 'abandonAfter' | 'maxAbandoned'>;
type AnyTask = (context: ExecuteContext) => unknown;

// the context of a call without a signal (a plain pool hands the caller's signal as is)
const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });
const contextOf = (signal: AbortSignal | undefined): ExecuteContext =>
  signal === undefined ? NO_SIGNAL : { signal };

/**
 * A bulkhead: at most `concurrency` calls run at once, up to `queue` more wait in FIFO order (for
 * at most `maxWait` ms), and the rest are rejected with `PoolFullError`. With a `timeout` (the
 * option, or a call's own), each task also gets a deadline: its caller is released with
 * `TimeoutError` and the task's signal aborted; the slot stays taken until the task settles or,
 * for a task that ignores its signal, until `abandonAfter` more ms pass: then the slot is given
 * back and the task counted as abandoned (at most `maxAbandoned` at once). So a hung dependency
 * never holds the pool forever, and sees at most `concurrency + maxAbandoned` calls at once.
 *
 * Configuration is read-only (`pool.concurrency = 5` throws in strict code); `resize` changes
 * the limits at run time, validated.
 *
 * ```ts
 * const pool = new Pool({ concurrency: 4, queue: 100, maxWait: 2_000, timeout: 1_000 });
 * const user = await pool.execute(({ signal }) => fetchUser(id, { signal }));
 * ```
 */
export class Pool implements Policy, Disposable {
  readonly #name: string;
  // the current limit: fixed, or moved by `#algorithm`
  #concurrency: number;
  #adaptive: Required<AdaptiveLimit> | undefined;
  #algorithm: LimitAlgorithm | undefined;
  #queue: number;
  readonly #maxWait: number | false;
  readonly #timeout: number | false;
  readonly #abandonAfter: number | false | undefined;
  readonly #maxAbandoned: number | undefined;
  readonly #clock: Clock;
  #timed: PoolTiming | undefined;
  readonly #waiting: WaitQueue;
  #active = 0;
  #started = 0;
  #disposed = false;

  // made on first subscription: most pools are never listened to (the deadline events are kept
  // in a record the pool's timing, made at the first timed call, reads them from)
  #onStart: EventEmitter<PoolStartEvent> | undefined;
  #onReject: EventEmitter<RejectEvent> | undefined;
  #onSettle: EventEmitter<PoolSettleEvent> | undefined;
  #onLimitChange: EventEmitter<PoolLimitEvent> | undefined;
  readonly #deadlineEvents: DeadlineEvents = { onTimeout: undefined, onAbandon: undefined };

  /** Fires when a call takes a slot. */
  get onStart(): Event<PoolStartEvent> {
    this.#onStart ??= new EventEmitter<PoolStartEvent>(this.#source('onStart'));
    return this.#onStart.event;
  }
  /** Fires when a call is turned away (`queue-full` or `max-wait`). */
  get onReject(): Event<RejectEvent> {
    this.#onReject ??= new EventEmitter<RejectEvent>(this.#source('onReject'));
    return this.#onReject.event;
  }
  /**
   * Fires when a task that took a slot lets go of it (it settled, or it was abandoned), once per
   * `onStart`, after the slot went to the next queued call.
   */
  get onSettle(): Event<PoolSettleEvent> {
    this.#onSettle ??= new EventEmitter<PoolSettleEvent>(this.#source('onSettle'));
    return this.#onSettle.event;
  }
  /** Fires when a task's deadline passes (with a `timeout`, the option or a call's own). */
  get onTimeout(): Event<TimeoutEvent> {
    const events = this.#deadlineEvents;
    events.onTimeout ??= new EventEmitter<TimeoutEvent>(this.#source('onTimeout'));
    return events.onTimeout.event;
  }
  /** Fires when a released task that has not settled gives its slot back (`abandonAfter`). */
  get onAbandon(): Event<PoolAbandonEvent> {
    const events = this.#deadlineEvents;
    events.onAbandon ??= new EventEmitter<PoolAbandonEvent>(this.#source('onAbandon'));
    return events.onAbandon.event;
  }
  /** Fires when the concurrency limit changes (an adaptive limit moved, or `resize`). */
  get onLimitChange(): Event<PoolLimitEvent> {
    this.#onLimitChange ??= new EventEmitter<PoolLimitEvent>(this.#source('onLimitChange'));
    return this.#onLimitChange.event;
  }

  /** @throws TypeError or RangeError for bad options */
  constructor(options?: PoolOptions) {
    const o = resolveOptions<Resolved>('@dyno/pool', options, POOL_RULES, DEFAULT_POOL_OPTIONS);
    this.#concurrency = this.#limitFrom(o.concurrency);
    this.#name = o.name ?? defaultName('pool');
    this.#queue = o.queue;
    this.#maxWait = o.maxWait;
    this.#timeout = o.timeout;
    this.#abandonAfter = o.abandonAfter;
    this.#maxAbandoned = o.maxAbandoned;
    // read while a slot is held (a call's start and end, a wait, a deadline timer): a throw there
    // would keep the slot for good, a `NaN` time every call out at once, a step back of a day
    // hold a hung call's slot a day; a steady clock counts those as no time passed
    const clock = steadyClock(o.clock, '@dyno/pool', this.#name);
    this.#clock = clock;
    this.#waiting = new WaitQueue({
      clock,
      maxWait: o.maxWait,
      expired: (waiter, waited) => {
        const detail = `waited ${Math.round(waited)} ms (maxWait ${this.#maxWait} ms)`;
        waiter.reject(this.#rejected('max-wait', detail));
      },
    });
  }

  /** The instance name used in events and errors. */
  get name(): string {
    return this.#name;
  }

  /**
   * How many calls may run at once now: the fixed limit, or the adaptive limit's current value
   * (the same as `limit`; change it with `resize`).
   */
  get concurrency(): number {
    return this.#concurrency;
  }

  /** The current concurrency limit: fixed, or where the adaptive limit stands now. */
  get limit(): number {
    return this.#concurrency;
  }

  /**
   * The adaptive limit's settings (validated, defaults filled in, frozen), or `undefined` for a
   * fixed `concurrency`.
   */
  get adaptive(): Readonly<Required<AdaptiveLimit>> | undefined {
    return this.#adaptive;
  }

  /** How many calls may wait for a slot, `Infinity` for no limit (change it with `resize`). */
  get queue(): number {
    return this.#queue;
  }

  /** The longest wait in the queue in ms, or `false` for no limit. */
  get maxWait(): number | false {
    return this.#maxWait;
  }

  /** The deadline of each task in ms (unless a call sets its own), or `false` for none. */
  get timeout(): number | false {
    return this.#timeout;
  }

  /**
   * The grace after a released task's deadline before its slot is given back, in ms; `false`
   * for never; `undefined` when it is each task's own timeout (the default).
   */
  get abandonAfter(): number | false | undefined {
    return this.#abandonAfter;
  }

  /** The most abandoned tasks at once (`concurrency` unless the option was given). */
  get maxAbandoned(): number {
    return this.#maxAbandoned ?? this.#concurrency;
  }

  /** Slots taken now: running calls, timed-out tasks that keep their slot included. */
  get active(): number {
    return this.#active;
  }

  /** Tasks that have taken a slot since the pool was made (one per `onStart`). */
  get started(): number {
    return this.#started;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#waiting.size;
  }

  /** Abandoned tasks (slot given back) that have not settled yet: a gauge. */
  get abandoned(): number {
    return this.#timed === undefined ? 0 : this.#timed.abandoned;
  }

  /** Tasks abandoned since the pool was made: a counter. */
  get abandonedTotal(): number {
    return this.#timed === undefined ? 0 : this.#timed.abandonedTotal;
  }

  /**
   * Runs `fn` when a slot is free. Rejects with `PoolFullError` when the queue is full or the wait
   * runs out, with the signal's reason when `signal` aborts while queued (or before), with
   * `TimeoutError` at the deadline (`timeout`: this call's, else the pool's), with `DisposedError`
   * after `dispose`, and with a `TypeError`/`RangeError` naming the argument for a `fn` that is
   * not a function or a bad `timeout`. Without a deadline, `fn` receives the caller's signal as
   * is; the context always has `signal` as an own enumerable property.
   */
  execute<T>(fn: Task<T>, options?: PoolExecuteOptions): Promise<T> {
    if (typeof fn !== 'function') return notATask(fn);
    let signal: AbortSignal | undefined;
    let timeout = this.#timeout;
    if (options !== undefined) {
      try {
        signal = callSignal(options);
        if (signal !== undefined && !(signal instanceof AbortSignal)) return notASignal(signal);
        const own = options.timeout;
        if (own !== undefined) timeout = callTimeout(own);
      } catch (error) {
        // options that are not an object, a bad `timeout`, or a getter that throws
        return Promise.reject(error);
      }
      if (signal?.aborted) return Promise.reject(abortReason(signal));
    }
    if (this.#disposed) return Promise.reject(this.#disposedError());
    if (this.#active < this.#concurrency) {
      return this.#startNow(fn as AnyTask, signal, timeout) as Promise<T>;
    }
    const waiting = this.#waiting;
    if (waiting.size >= this.#queue) {
      const detail = `${this.#active} running, ${waiting.size} queued (queue ${this.#queue})`;
      return Promise.reject(this.#rejected('queue-full', detail));
    }
    const { promise, resolve, reject } = withResolvers<unknown>();
    // read the clock only for `maxWait` or for `onStart`'s `waited`
    const queuedAt =
      waiting.timed || this.#onStart?.hasListeners === true ? this.#clock.now() : undefined;
    waiting.add(
      newWaiter({ fn, signal, timeout, resolve, reject, queuedAt, cancel: waiting.cancel }),
    );
    return promise as Promise<T>;
  }

  /**
   * Runs independent tasks in parallel under the limit (never more than `concurrency` of them
   * at once, so on an idle pool none waits in the queue) and returns every result or failure in
   * task order, like `Promise.allSettled`. Each task goes through `execute`, so a busy pool can
   * reject some with `PoolFullError`. Options are read once for every task: options that are not
   * an object, or a getter of theirs that throws, reject the whole call.
   */
  all<const T extends readonly Task<unknown>[]>(
    tasks: T,
    options?: PoolExecuteOptions,
  ): Promise<SettledResults<T>> {
    let given: PoolExecuteOptions | undefined;
    if (options !== undefined) {
      try {
        given = { signal: callSignal(options), timeout: options.timeout };
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return settleAll(this, tasks, given) as Promise<SettledResults<T>>;
  }

  /**
   * Changes the limits at run time, validated as the options of the same names. A larger
   * `concurrency` starts queued calls at once; a smaller one lets running calls finish and starts
   * no new one until `active` is below it. A smaller `queue` turns away new callers only: calls
   * already queued keep their place.
   * @throws TypeError or RangeError for a bad size, `DisposedError` after `dispose`
   */
  resize(size: PoolSize): void {
    if (this.#disposed) throw this.#disposedError();
    const { concurrency, queue } = validate('@dyno/pool', size, POOL_SIZE_RULES) as PoolSize;
    const previous = this.#concurrency;
    if (concurrency !== undefined) this.#concurrency = this.#limitFrom(concurrency);
    if (queue !== undefined) this.#queue = queue;
    if (this.#waiting.size > 0) this.#drain();
    if (this.#concurrency !== previous) this.#limitChanged(previous);
  }

  /**
   * Rejects every queued call with `DisposedError` and refuses new ones; running tasks go on.
   * Calling it again does nothing.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#waiting.flush(this.#disposedError());
    const emitters = [
      this.#onStart,
      this.#onReject,
      this.#onSettle,
      this.#onLimitChange,
      this.#deadlineEvents.onTimeout,
      this.#deadlineEvents.onAbandon,
    ];
    for (const e of emitters) e?.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Runs a call that found a free slot; answers the caller's promise. */
  #startNow(
    fn: AnyTask,
    signal: AbortSignal | undefined,
    timeout: number | false,
  ): Promise<unknown> {
    const startedAt = this.#takeSlot(0);
    if (timeout !== false) {
      const { promise, resolve, reject } = withResolvers<unknown>();
      new TimedRun({ owner: this.#timing(), fn, signal, timeout, resolve, reject, startedAt });
      return promise;
    }
    const context = contextOf(signal);
    return runTask(
      fn,
      context,
      (value) => {
        this.#finish(startedAt, 'success');
        return value;
      },
      (error) => {
        this.#finish(startedAt, context.signal.aborted ? 'cancelled' : 'failure');
        throw error;
      },
    );
  }

  /** Runs a queued call now that it has a slot; `waited` is how long it waited, in ms. */
  #startQueued(waiter: Waiter, waited: number): void {
    const startedAt = this.#takeSlot(waited);
    const { fn, signal, timeout, resolve, reject } = waiter;
    if (timeout !== false) {
      new TimedRun({ owner: this.#timing(), fn, signal, timeout, resolve, reject, startedAt });
      return;
    }
    // The caller already has its promise: settle it from the task's own handlers, since
    // resolving it with another promise would cost a thenable job and one more promise per call.
    const context = contextOf(signal);
    runTask(
      fn,
      context,
      (value) => {
        this.#finish(startedAt, 'success');
        resolve(value);
      },
      (error) => {
        this.#finish(startedAt, context.signal.aborted ? 'cancelled' : 'failure');
        reject(error);
      },
    );
  }

  /**
   * Takes a slot and reports it (`onStart`); answers the clock time now when something needs
   * the call's latency (`onSettle`, an adaptive limit), else `undefined` (no clock read).
   */
  #takeSlot(waited: number): number | undefined {
    const active = ++this.#active;
    this.#started++;
    if (this.#onStart?.hasListeners) {
      this.#onStart.emit({ name: this.#name, active, queued: this.#waiting.size, waited });
    }
    const measured = this.#onSettle?.hasListeners === true || this.#algorithm !== undefined;
    return measured ? this.#clock.now() : undefined;
  }

  /**
   * A task let go of its slot (settled or abandoned): free the slot exactly once, start the next
   * waiters, then report it with the pool's state as the next caller sees it. `startedAt` is set
   * when `#takeSlot` read the clock for the call (see `#finishMeasured`).
   */
  #finish(startedAt: number | undefined, outcome: SettleOutcome): void {
    if (startedAt === undefined) {
      this.#active--;
      this.#drain();
    } else {
      this.#finishMeasured(startedAt, outcome);
    }
  }

  /**
   * `#finish` for a call whose start time was read (someone listens to `onSettle`, or the limit
   * adapts): the limit takes the sample first (successes and timeouts only: a failure's latency
   * or a cancelled call's says nothing about the dependency's load), so a grown limit starts
   * queued calls at once.
   */
  #finishMeasured(startedAt: number, outcome: SettleOutcome): void {
    const now = this.#clock.now();
    const duration = now - startedAt;
    const previous = this.#concurrency;
    const algorithm = this.#algorithm;
    if (algorithm !== undefined && (outcome === 'success' || outcome === 'timeout')) {
      const dropped = outcome === 'timeout';
      const estimate = algorithm.sample({ rtt: duration, inflight: this.#active, dropped, now });
      this.#concurrency = Math.floor(estimate);
    }
    this.#active--;
    this.#drain();
    if (this.#concurrency !== previous) this.#limitChanged(previous);
    if (this.#onSettle?.hasListeners) {
      this.#onSettle.emit({
        name: this.#name,
        duration,
        outcome,
        active: this.#active,
        queued: this.#waiting.size,
      });
    }
  }

  /** Takes a `concurrency` (option or `resize`): sets the algorithm, returns the limit. */
  #limitFrom(concurrency: number | AdaptiveLimit): number {
    if (typeof concurrency === 'number') {
      this.#adaptive = undefined;
      this.#algorithm = undefined;
      return concurrency;
    }
    const adaptive = resolveAdaptive(concurrency, 'concurrency');
    this.#adaptive = adaptive;
    this.#algorithm = makeAlgorithm(adaptive);
    return adaptive.initial;
  }

  #limitChanged(previous: number): void {
    if (this.#onLimitChange?.hasListeners) {
      this.#onLimitChange.emit({ name: this.#name, limit: this.#concurrency, previous });
    }
  }

  /** Starts queued calls while slots are free. */
  #drain(): void {
    const waiting = this.#waiting;
    while (waiting.size > 0 && this.#active < this.#concurrency) {
      const waiter = waiting.next();
      const queuedAt = waiter.queuedAt;
      this.#startQueued(waiter, queuedAt === undefined ? 0 : this.#clock.now() - queuedAt);
    }
  }

  /** The deadlines and the abandoning of this pool's timed tasks, made on first need. */
  #timing(): PoolTiming {
    if (this.#timed !== undefined) return this.#timed;
    const timing = new PoolTiming({
      name: this.#name,
      pool: this,
      clock: this.#clock,
      abandonAfter: this.#abandonAfter,
      finished: (outcome, startedAt) => this.#finish(startedAt, outcome),
      events: this.#deadlineEvents,
    });
    this.#timed = timing;
    return timing;
  }

  #rejected(reason: 'queue-full' | 'max-wait', detail: string): PoolFullError {
    if (this.#onReject?.hasListeners) this.#onReject.emit({ name: this.#name, reason });
    return new PoolFullError(reason, this.#name, detail);
  }

  // names the pool when one of its listeners throws (core reports it; the pool goes on)
  #source(event: string): string {
    return `@dyno/pool ${JSON.stringify(this.#name)} ${event}`;
  }

  #disposedError(): DisposedError {
    return new DisposedError(`Pool ${JSON.stringify(this.#name)}`, this.#name);
  }
}
