import {
  type Awaitable,
  abortReason,
  addAbortListener,
  type Clock,
  DisposedError,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  type ExecuteOptions,
  NEVER_ABORTED,
  type Policy,
  removeAbortListener,
  resolveOptions,
} from '@dyno/core';
import { PoolFullError } from './errors.js';
import type {
  PoolSettleEvent,
  PoolStartEvent,
  RejectEvent,
  SettleOutcome,
  TimeoutEvent,
} from './events.js';
import {
  newPromise,
  type Reject,
  type Resolve,
  runTask,
  takeReject,
  takeResolve,
} from './internal/capture.js';
import { Ring } from './internal/ring.js';
import { settleAll } from './internal/settle-all.js';
import { Deadlines, type TimedOwner, TimedRun } from './internal/timed-run.js';
import { WaitExpiry } from './internal/wait-expiry.js';
import { Waiter } from './internal/waiter.js';
import { DEFAULT_POOL_OPTIONS, POOL_RULES, type PoolOptions } from './options.js';

/** A task run by `Pool.execute` or `Pool.all`. */
export type Task<T> = (context: ExecuteContext) => Awaitable<T>;

/** The settled results of `Pool.all`, in the order of its tasks. */
export type SettledResults<T extends readonly Task<unknown>[]> = {
  -readonly [K in keyof T]: PromiseSettledResult<Awaited<ReturnType<T[K]>>>;
};

type Resolved = Required<Omit<PoolOptions, 'name'>> & { readonly name?: string };
type AnyTask = (context: ExecuteContext) => unknown;

const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });

/**
 * A bulkhead: at most `concurrency` calls run at once, up to `queue` more wait in FIFO order (for
 * at most `maxWait` ms), and the rest are rejected with `PoolFullError`. With `timeout`, each task
 * also gets a deadline: its caller is released with `TimeoutError`, while its slot stays taken
 * until the task really settles, so the dependency never sees more than `concurrency` calls.
 *
 * ```ts
 * const pool = new Pool({ concurrency: 4, queue: 100, maxWait: 2_000, timeout: 1_000 });
 * const user = await pool.execute(({ signal }) => fetchUser(id, { signal }));
 * ```
 */
export class Pool implements Policy, Disposable {
  /** The instance name used in events and errors. */
  readonly name: string;
  /** How many calls run at once. */
  readonly concurrency: number;
  /** How many calls may wait for a slot (`Infinity` for no limit). */
  readonly queue: number;
  /** The longest wait in the queue in ms, or `false` for no limit. */
  readonly maxWait: number | false;
  /** The deadline of each task in ms, or `false` for none. */
  readonly timeout: number | false;

  readonly #clock: Clock;
  readonly #timed: TimedOwner | undefined;
  readonly #waiters = new Ring<Waiter>();
  readonly #expiry: WaitExpiry | undefined;
  #active = 0;
  #started = 0;
  #queued = 0;
  #disposed = false;

  readonly #onStart = new EventEmitter<PoolStartEvent>();
  readonly #onReject = new EventEmitter<RejectEvent>();
  readonly #onSettle = new EventEmitter<PoolSettleEvent>();
  readonly #onTimeout = new EventEmitter<TimeoutEvent>();

  /** Fires when a call takes a slot. */
  readonly onStart: Event<PoolStartEvent> = this.#onStart.event;
  /** Fires when a call is turned away (`queue-full` or `max-wait`). */
  readonly onReject: Event<RejectEvent> = this.#onReject.event;
  /** Fires when a task that took a slot settles and frees it (once per `onStart`). */
  readonly onSettle: Event<PoolSettleEvent> = this.#onSettle.event;
  /** Fires when a task's deadline passes (only with the `timeout` option). */
  readonly onTimeout: Event<TimeoutEvent> = this.#onTimeout.event;

  /** @throws TypeError or RangeError for bad options */
  constructor(options?: PoolOptions) {
    const o = resolveOptions<Resolved>('@dyno/pool', options, POOL_RULES, DEFAULT_POOL_OPTIONS);
    this.name = o.name ?? defaultName('pool');
    this.concurrency = o.concurrency;
    this.queue = o.queue;
    this.maxWait = o.maxWait;
    this.timeout = o.timeout;
    this.#clock = o.clock;
    if (o.maxWait !== false) {
      this.#expiry = new WaitExpiry(o.clock, o.maxWait, this.#waiters, (waiter, waited) => {
        this.#leave(waiter);
        const detail = `waited ${Math.round(waited)} ms (maxWait ${o.maxWait} ms)`;
        waiter.reject(this.#rejected('max-wait', detail));
      });
    }
    if (o.timeout !== false) {
      const timeoutEvent: TimeoutEvent = Object.freeze({ name: this.name, timeout: o.timeout });
      this.#timed = {
        name: this.name,
        timeout: o.timeout,
        deadlines: new Deadlines(o.clock, o.timeout),
        expired: () => this.#onTimeout.emit(timeoutEvent),
        finished: (outcome, startedAt) => this.#finish(outcome, startedAt),
      };
    }
  }

  /** Calls running now (timed-out tasks that have not settled yet included). */
  get active(): number {
    return this.#active;
  }

  /** Tasks that have taken a slot since the pool was made (one per `onStart`). */
  get started(): number {
    return this.#started;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Runs `fn` when a slot is free. Rejects with `PoolFullError` when the queue is full or the wait
   * runs out, with the signal's reason when `signal` aborts while queued (or before), with
   * `TimeoutError` at the deadline (option `timeout`), and with `DisposedError` after `dispose`.
   * Without `timeout`, `fn` receives the caller's signal as is.
   */
  execute<T>(fn: Task<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#disposed) return Promise.reject(this.#disposedError());
    if (this.#active < this.concurrency) {
      return this.#start(fn as AnyTask, signal, 0, undefined, undefined) as Promise<T>;
    }
    if (this.#queued >= this.queue) {
      const detail = `${this.#active} running, ${this.#queued} queued (queue ${this.queue})`;
      return Promise.reject(this.#rejected('queue-full', detail));
    }
    const promise = newPromise<T>();
    const at = this.maxWait !== false || this.#onStart.hasListeners ? this.#clock.now() : -1;
    const waiter = new Waiter(fn, signal, takeResolve(), takeReject(), at, this.#cancel);
    this.#waiters.push(waiter);
    this.#queued++;
    if (signal !== undefined) addAbortListener(signal, waiter);
    const expiry = this.#expiry;
    if (expiry !== undefined && expiry.timer === undefined) expiry.arm();
    return promise;
  }

  /**
   * Runs independent tasks in parallel under the limit (never more than `concurrency` of them
   * at once, so on an idle pool none waits in the queue) and returns every result or failure in
   * task order, like `Promise.allSettled`. Each task goes through `execute`, so a busy pool can
   * reject some with `PoolFullError`.
   */
  all<const T extends readonly Task<unknown>[]>(
    tasks: T,
    options?: ExecuteOptions,
  ): Promise<SettledResults<T>> {
    return settleAll(this, tasks, options) as Promise<SettledResults<T>>;
  }

  /**
   * Rejects every queued call with `DisposedError` and refuses new ones; running tasks go on.
   * Calling it again does nothing.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const error = this.#disposedError();
    for (let waiter = this.#waiters.shift(); waiter !== undefined; waiter = this.#waiters.shift()) {
      if (waiter.done) continue;
      this.#leave(waiter);
      waiter.reject(error);
    }
    this.#idle();
    for (const e of [this.#onStart, this.#onReject, this.#onSettle, this.#onTimeout]) e.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #start(
    fn: AnyTask,
    signal: AbortSignal | undefined,
    waited: number,
    resolve: Resolve<unknown> | undefined,
    reject: Reject | undefined,
  ): Promise<unknown> | undefined {
    const active = ++this.#active;
    this.#started++;
    if (this.#onStart.hasListeners) {
      this.#onStart.emit({ name: this.name, active, queued: this.#queued, waited });
    }
    const startedAt = this.#onSettle.hasListeners ? this.#clock.now() : -1;
    if (this.#timed !== undefined) {
      let promise: Promise<unknown> | undefined;
      if (resolve === undefined) {
        promise = newPromise();
        resolve = takeResolve();
        reject = takeReject();
      }
      new TimedRun(this.#timed, signal, resolve, reject as Reject, fn, startedAt);
      return promise;
    }
    const context = signal === undefined ? NO_SIGNAL : { signal };
    if (resolve !== undefined) {
      this.#runQueued(fn, context, startedAt, resolve, reject as Reject);
      return undefined;
    }
    return startedAt < 0
      ? runTask(fn, context, this.#onValue, this.#onError)
      : this.#runObserved(fn, context, startedAt);
  }

  // the hot path: two handlers shared by every call, so a call makes no closure
  readonly #onValue = (value: unknown): unknown => {
    this.#finish('success', -1);
    return value;
  };

  readonly #onError = (error: unknown): never => {
    this.#finish('failure', -1);
    throw error;
  };

  #runObserved(fn: AnyTask, context: ExecuteContext, startedAt: number): Promise<unknown> {
    return runTask(
      fn,
      context,
      (value) => {
        this.#finish('success', startedAt);
        return value;
      },
      (error) => {
        this.#finish(context.signal.aborted ? 'cancelled' : 'failure', startedAt);
        throw error;
      },
    );
  }

  // A queued caller already has its promise: settle it from the task's own handlers, since
  // resolving it with another promise would cost a thenable job and one more promise per call.
  #runQueued(
    fn: AnyTask,
    context: ExecuteContext,
    startedAt: number,
    resolve: Resolve<unknown>,
    reject: Reject,
  ): void {
    runTask(
      fn,
      context,
      (value) => {
        this.#finish('success', startedAt);
        resolve(value);
      },
      (error) => {
        this.#finish(context.signal.aborted ? 'cancelled' : 'failure', startedAt);
        reject(error);
      },
    );
  }

  /** A task settled: free its slot exactly once, report it, and start the next waiter. */
  #finish(outcome: SettleOutcome, startedAt: number): void {
    this.#active--;
    if (startedAt >= 0 && this.#onSettle.hasListeners) {
      this.#onSettle.emit({
        name: this.name,
        duration: this.#clock.now() - startedAt,
        outcome,
        active: this.#active,
        queued: this.#queued,
      });
    }
    while (this.#queued > 0 && this.#active < this.concurrency) {
      const waiter = this.#waiters.shift() as Waiter;
      if (waiter.done) continue;
      this.#leave(waiter);
      const waited = waiter.at < 0 ? 0 : this.#clock.now() - waiter.at;
      this.#start(waiter.fn, waiter.signal, waited, waiter.resolve, waiter.reject);
    }
    if (this.#queued === 0) this.#idle();
  }

  /** Takes a waiter out of the count and off its signal (it may still sit in the ring). */
  #leave(waiter: Waiter): void {
    waiter.done = true;
    this.#queued--;
    if (waiter.signal !== undefined) removeAbortListener(waiter.signal, waiter);
  }

  // a queued call's signal aborted: it leaves at once, and its place goes to the next caller
  readonly #cancel = (waiter: Waiter): void => {
    if (waiter.done) return;
    this.#leave(waiter);
    waiter.reject(abortReason(waiter.signal as AbortSignal));
    if (this.#queued === 0) this.#idle();
    // left-behind entries are skipped when reached; compact if they pile up behind a slow head
    else if (this.#waiters.size > 2 * this.#queued + 64) this.#waiters.filter((w) => !w.done);
  };

  /** The queue is empty: drop left-behind entries and the max-wait timer. */
  #idle(): void {
    while (this.#waiters.size > 0) this.#waiters.shift();
    const expiry = this.#expiry;
    if (expiry !== undefined && expiry.timer !== undefined) expiry.disarm();
  }

  #rejected(reason: 'queue-full' | 'max-wait', detail: string): PoolFullError {
    if (this.#onReject.hasListeners) this.#onReject.emit({ name: this.name, reason });
    return new PoolFullError(reason, this.name, detail);
  }

  #disposedError(): DisposedError {
    return new DisposedError(`Pool ${JSON.stringify(this.name)}`, this.name);
  }
}
