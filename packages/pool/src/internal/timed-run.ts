import {
  abortReason,
  addAbortListener,
  type Clock,
  type ExecuteContext,
  removeAbortListener,
} from '@dyno/core';
import { TimeoutError } from '../errors.js';
import type { SettleOutcome } from '../events.js';
import { GuardedTimer } from './guarded-timer.js';
import { type Reject, type Resolve, runTask } from './promises.js';
import { type SignalSource, taskContext } from './task-context.js';

/** What a timed run reports to: a `Timeout` policy or a `Pool` running a task with a deadline. */
export interface TimedOwner {
  readonly name: string;
  /** The running tasks of this owner and the one timer serving all of them. */
  readonly deadlines: Deadlines;
  /**
   * How long after its deadline a released task that has not settled gives its slot back, in
   * ms, or `false` when it keeps it until it settles (then a released task also leaves the list).
   */
  grace(timeout: number): number | false;
  /** The deadline passed before the task settled (the caller has just been rejected). */
  expired(timeout: number): void;
  /**
   * The task let go of its slot; `outcome` is what the caller got; `startedAt` is the clock time
   * it started at, if the owner read it.
   */
  finished(outcome: SettleOutcome, startedAt: number | undefined): void;
  /** The grace passed: give the slot back now and count the task as abandoned, if allowed. */
  abandon(outcome: SettleOutcome, startedAt: number | undefined): boolean;
  /** An abandoned task has finally settled (its result or error is dropped). */
  abandonedSettled(): void;
}

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
    this.timer = new GuardedTimer({
      clock,
      work: (now) => TimedRun.expireDue(this, now),
      keepIdle: true,
    });
  }
}

/** Where a run stands with its caller: released at the deadline or by the caller's signal. */
type CallerState = 'running' | 'timed-out' | 'caller-aborted' | 'done';

/**
 * Where a run's slot stands: in the deadline list (running, or released and in its grace), out
 * of it and held until the task settles, or given back (abandoned).
 */
type SlotState = 'listed' | 'held' | 'abandoned';

/** What a `TimedRun` is made from. */
export interface TimedRunInit<T> {
  readonly owner: TimedOwner;
  readonly fn: (context: ExecuteContext) => T | PromiseLike<T>;
  /** The caller's signal. */
  readonly signal: AbortSignal | undefined;
  /** The deadline, in ms from the start. */
  readonly timeout: number;
  /** Settles the caller's promise. */
  readonly resolve: Resolve<T>;
  /** Rejects the caller's promise. */
  readonly reject: Reject;
  /** The clock time now, if the owner has just read it (else the run reads it). */
  readonly startedAt?: number | undefined;
  /** Only for `TimedRun.shapeKeeper`: makes the run without starting it. */
  readonly idle?: true;
}

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
  readonly #startedAt: number | undefined;
  readonly #timeout: number;
  // when the list next handles the run: its deadline, then (released) the end of its grace
  #due: number;
  #prev: TimedRun<unknown> | undefined = undefined;
  #next: TimedRun<unknown> | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  // what the caller was rejected with when released (never `undefined` once released)
  #reason: unknown = undefined;
  #state: CallerState = 'running';
  #slot: SlotState = 'listed';

  /** Starts `init.fn` at once; the caller's promise is settled through `resolve`/`reject`. */
  constructor(init: TimedRunInit<T>) {
    const owner = init.owner;
    this.#owner = owner;
    this.#caller = init.signal;
    this.#resolve = init.resolve;
    this.#reject = init.reject;
    this.#startedAt = init.startedAt;
    this.#timeout = init.timeout;
    if (init.idle === true) {
      this.#due = 0;
      return;
    }
    const now = init.startedAt ?? owner.deadlines.clock.now();
    this.#due = now + init.timeout;
    this.#link(now);
    if (this.#caller !== undefined) addAbortListener(this.#caller, this);
    runTask(init.fn, taskContext(this), this.#onValue, this.#onError);
  }

  /**
   * @internal One run kept for good, never started: V8 drops a class's hidden classes (and the
   * optimised code built on them) when no instance is alive at a full collection, and a run lives
   * only while its task does. Measured on the composed bench row (decision 95).
   */
  static readonly shapeKeeper: object = new TimedRun({
    owner: undefined as unknown as TimedOwner,
    fn: () => undefined,
    signal: undefined,
    timeout: 0,
    resolve: () => {},
    reject: () => {},
    idle: true,
  });

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
    if (this.#state !== 'running') return;
    this.#state = 'caller-aborted';
    this.#unlink();
    this.#release(abortReason(this.#caller as AbortSignal));
    this.#graced();
  }

  /**
   * Handles every task of `list` due at `now` or earlier, in order: expires running ones, and
   * offers released ones whose grace has passed to their owner for abandoning.
   * @returns the ms until the new head is due, or `undefined` when the list is empty
   */
  static expireDue(list: Deadlines, now: number): number | undefined {
    for (let run = list.head; run !== undefined; run = list.head) {
      const left = run.#due - now;
      if (left > EPSILON) return left;
      run.#unlink();
      if (run.#state === 'running') run.#expire();
      else if (run.#owner.abandon(run.#outcome(), run.#startedAt)) run.#slot = 'abandoned';
    }
    return undefined;
  }

  #expire(): void {
    this.#state = 'timed-out';
    if (this.#caller !== undefined) removeAbortListener(this.#caller, this);
    const timeout = this.#timeout;
    this.#release(new TimeoutError(timeout, this.#owner.name));
    this.#owner.expired(timeout);
    this.#graced();
  }

  /** Released: wait in the list for the owner's grace, if it gives slots back. */
  #graced(): void {
    const grace = this.#owner.grace(this.#timeout);
    if (grace === false) return;
    this.#due += grace;
    this.#link(this.#owner.deadlines.clock.now());
  }

  /** Inserts the run by `#due`, walking back from the tail; `now` is the clock time now. */
  #link(now: number): void {
    const list = this.#owner.deadlines;
    const due = this.#due;
    let prev = list.tail;
    while (prev !== undefined && prev.#due > due + EPSILON) prev = prev.#prev;
    const next = prev === undefined ? list.head : prev.#next;
    this.#prev = prev;
    this.#next = next;
    if (prev === undefined) list.head = this as TimedRun<unknown>;
    else prev.#next = this as TimedRun<unknown>;
    if (next === undefined) list.tail = this as TimedRun<unknown>;
    else next.#prev = this as TimedRun<unknown>;
    this.#slot = 'listed';
    // a run due after the head is served by the head's timer
    if (prev === undefined) list.timer.ensure(due, now);
  }

  #unlink(): void {
    if (this.#slot !== 'listed') return;
    this.#slot = 'held';
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
    return this.#state === 'timed-out' ? 'timeout' : 'cancelled';
  }

  readonly #onValue = (value: T): void => {
    if (this.#state === 'running') {
      this.#end();
      this.#resolve(value);
      this.#owner.finished('success', this.#startedAt);
    } else this.#late();
  };

  readonly #onError = (error: unknown): void => {
    if (this.#state === 'running') {
      this.#end();
      this.#reject(error);
      this.#owner.finished('failure', this.#startedAt);
    } else this.#late();
  };

  #end(): void {
    this.#state = 'done';
    this.#unlink();
    if (this.#caller !== undefined) removeAbortListener(this.#caller, this);
  }

  // the caller was released earlier; the task has only now settled: its result is dropped, and
  // its slot is freed now unless it was given back already
  #late(): void {
    const outcome = this.#outcome();
    this.#state = 'done';
    if (this.#slot === 'abandoned') {
      this.#owner.abandonedSettled();
      return;
    }
    this.#unlink();
    this.#owner.finished(outcome, this.#startedAt);
  }
}
