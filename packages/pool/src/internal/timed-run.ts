import {
  abortReason,
  addAbortListener,
  type Clock,
  type ExecuteContext,
  removeAbortListener,
} from '@dyno/core';
import { TimeoutError } from '../errors.js';
import type { SettleOutcome } from '../events.js';
import { type Reject, type Resolve, runTask } from './capture.js';
import { GuardedTimer } from './guarded-timer.js';
import { type SignalSource, taskContext } from './task-context.js';

/** What a timed run reports to: a `Timeout` policy or a `Pool` running a task with a deadline. */
export interface TimedOwner {
  readonly name: string;
  /** The running tasks of this owner and the one timer serving all of them. */
  readonly deadlines: Deadlines;
  /**
   * How long after its deadline a released task that has not settled gives its slot back, in
   * ms, or -1 when it keeps it until it settles (then a released task also leaves the list).
   */
  grace(timeout: number): number;
  /** The deadline passed before the task settled (the caller has just been rejected). */
  expired(timeout: number): void;
  /** The task let go of its slot; `outcome` is what the caller got; `startedAt` -1 if unknown. */
  finished(outcome: SettleOutcome, startedAt: number): void;
  /** The grace passed: give the slot back now and count the task as abandoned, if allowed. */
  abandon(outcome: SettleOutcome, startedAt: number): boolean;
  /** An abandoned task has finally settled (its result or error is dropped). */
  abandonedSettled(): void;
}

const noop = (): void => {};
// tolerance when comparing clock times computed by subtraction
const EPSILON = 1e-6;

/**
 * The timed tasks of one owner, ordered by deadline, and the single clock timer that serves them
 * (see `GuardedTimer`, which keeps an idle Node timer unref'd rather than clearing it). A doubly
 * linked list gives O(1) removal when a task settles; a task is inserted from the tail, so tasks
 * with one timeout (the usual case) are appended in O(1), and a per-call timeout or an abandon
 * grace walks back only past the tasks due after it.
 */
export class Deadlines {
  /** The task due first. */
  head: TimedRun<unknown> | undefined = undefined;
  /** The task due last. */
  tail: TimedRun<unknown> | undefined = undefined;
  readonly timer: GuardedTimer;

  constructor(readonly clock: Clock) {
    this.timer = new GuardedTimer(clock, (now) => TimedRun.expireDue(this, now), true);
  }
}

const RUNNING = 0;
const TIMED_OUT = 1;
const CALLER_ABORTED = 2;
const DONE = 3;

// where a run's slot stands: in the deadline list (running, or released and in its grace), out
// of it and held until the task settles, or given back (abandoned)
const LISTED = 0;
const HELD = 1;
const ABANDONED = 2;

/**
 * One task run under a deadline. The task's context (`taskContext`) reads its `signal` from the
 * run, which makes the `AbortController` only when the task first reads it (most tasks never do,
 * and a controller per call costs microseconds once collected), already aborted if the deadline
 * has passed. It also listens to the caller's signal as an `EventListenerObject`, so no closure
 * is made for that. While running it sits in its owner's `Deadlines` list; it has no timer of its
 * own.
 *
 * Released (deadline passed, or the caller aborted) while its owner gives slots back after a
 * grace, it goes back into the list at `deadline + grace`; then, if it has still not settled, the
 * owner abandons it (slot given back) or, at the owner's cap, lets it hold the slot until it
 * settles. A late result or error is dropped; the slot is freed exactly once.
 */
export class TimedRun<T> implements SignalSource {
  readonly #owner: TimedOwner;
  readonly #caller: AbortSignal | undefined;
  readonly #resolve: Resolve<T>;
  readonly #reject: Reject;
  readonly #startedAt: number;
  readonly #timeout: number;
  #deadline: number;
  #prev: TimedRun<unknown> | undefined;
  #next: TimedRun<unknown> | undefined;
  #controller: AbortController | undefined;
  #reason: unknown;
  #state = RUNNING;
  #slot = LISTED;

  /**
   * Starts `fn` at once; the caller's promise is settled through `resolve`/`reject`. `startedAt`
   * is the clock time now if the owner has just read it, else -1.
   */
  constructor(
    owner: TimedOwner,
    caller: AbortSignal | undefined,
    resolve: Resolve<T>,
    reject: Reject,
    fn: ((context: ExecuteContext) => T | PromiseLike<T>) | undefined,
    startedAt: number,
    timeout: number,
  ) {
    this.#owner = owner;
    this.#caller = caller;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#startedAt = startedAt;
    this.#timeout = timeout;
    if (fn === undefined) {
      // the idle `shapeKeeper`: a fractional number so the field holds doubles from the start
      this.#deadline = 0.5;
      return;
    }
    const now = startedAt < 0 ? owner.deadlines.clock.now() : startedAt;
    this.#deadline = now + timeout;
    this.#link(now);
    if (caller !== undefined) addAbortListener(caller, this);
    runTask(fn, taskContext(this), this.#onValue, this.#onError);
  }

  /**
   * @internal One run that never starts, kept for good. V8 keeps the hidden classes that a new
   * object steps through as its fields are added only while some object uses them: with no run
   * alive at a full garbage collection (sequential calls) they are dropped, and the optimised
   * code built on them is thrown away and compiled again, which made the next few thousand calls
   * several times slower after every full collection. This idle instance keeps them.
   */
  static readonly shapeKeeper: object = new TimedRun(
    undefined as unknown as TimedOwner,
    undefined,
    noop,
    noop,
    undefined,
    -0.5,
    0.5,
  );

  /** @internal The task's signal, made on first read (the context's `signal`). */
  lazySignal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = new AbortController();
      this.#controller = controller;
      // released (timed out or caller aborted), even if it has settled since
      if (this.#reason !== undefined) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  /** The caller's signal aborted: release the caller now; the task runs on until it settles. */
  handleEvent(): void {
    if (this.#state !== RUNNING) return;
    this.#state = CALLER_ABORTED;
    this.#unlink();
    this.#release(abortReason(this.#caller as AbortSignal));
    this.#graced();
  }

  /**
   * Handles every task of `list` due at `now` or earlier, in order: expires running ones, and
   * offers released ones whose grace has passed to their owner for abandoning.
   * @returns the ms until the new head is due, or -1 when the list is empty
   */
  static expireDue(list: Deadlines, now: number): number {
    for (let run = list.head; run !== undefined; run = list.head) {
      const left = run.#deadline - now;
      if (left > EPSILON) return left;
      run.#unlink();
      if (run.#state === RUNNING) run.#expire();
      else if (run.#owner.abandon(run.#outcome(), run.#startedAt)) run.#slot = ABANDONED;
    }
    return -1;
  }

  #expire(): void {
    this.#state = TIMED_OUT;
    if (this.#caller !== undefined) removeAbortListener(this.#caller, this);
    const timeout = this.#timeout;
    this.#release(new TimeoutError(timeout, this.#owner.name));
    this.#owner.expired(timeout);
    this.#graced();
  }

  /** Released: wait in the list for the owner's grace, if it gives slots back. */
  #graced(): void {
    const grace = this.#owner.grace(this.#timeout);
    if (grace < 0) return;
    this.#deadline += grace;
    this.#link(this.#owner.deadlines.clock.now());
  }

  /** Inserts the run by deadline, walking back from the tail; `now` is the clock time now. */
  #link(now: number): void {
    const list = this.#owner.deadlines;
    const deadline = this.#deadline;
    let prev = list.tail;
    while (prev !== undefined && prev.#deadline > deadline + EPSILON) prev = prev.#prev;
    const next = prev === undefined ? list.head : prev.#next;
    this.#prev = prev;
    this.#next = next;
    if (prev === undefined) list.head = this as TimedRun<unknown>;
    else prev.#next = this as TimedRun<unknown>;
    if (next === undefined) list.tail = this as TimedRun<unknown>;
    else next.#prev = this as TimedRun<unknown>;
    this.#slot = LISTED;
    // a run due after the head is served by the head's timer
    if (prev === undefined) list.timer.ensure(deadline, now);
  }

  #unlink(): void {
    if (this.#slot !== LISTED) return;
    this.#slot = HELD;
    const list = this.#owner.deadlines;
    const prev = this.#prev;
    const next = this.#next;
    if (prev === undefined) list.head = next;
    else prev.#next = next;
    if (next === undefined) list.tail = prev;
    else next.#prev = prev;
    this.#prev = undefined;
    this.#next = undefined;
    if (list.head === undefined) list.timer.idle();
  }

  #release(reason: unknown): void {
    this.#reason = reason;
    this.#reject(reason);
    this.#controller?.abort(reason);
  }

  #outcome(): SettleOutcome {
    return this.#state === TIMED_OUT ? 'timeout' : 'cancelled';
  }

  readonly #onValue = (value: T): void => {
    if (this.#state === RUNNING) {
      this.#end();
      this.#resolve(value);
      this.#owner.finished('success', this.#startedAt);
    } else this.#late();
  };

  readonly #onError = (error: unknown): void => {
    if (this.#state === RUNNING) {
      this.#end();
      this.#reject(error);
      this.#owner.finished('failure', this.#startedAt);
    } else this.#late();
  };

  #end(): void {
    this.#state = DONE;
    this.#unlink();
    if (this.#caller !== undefined) removeAbortListener(this.#caller, this);
  }

  // the caller was released earlier; the task has only now settled: its result is dropped, and
  // its slot is freed now unless it was given back already
  #late(): void {
    const outcome = this.#outcome();
    this.#state = DONE;
    if (this.#slot === ABANDONED) {
      this.#owner.abandonedSettled();
      return;
    }
    this.#unlink();
    this.#owner.finished(outcome, this.#startedAt);
  }
}
