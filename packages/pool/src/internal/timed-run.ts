import {
  abortReason,
  addAbortListener,
  type Clock,
  type ExecuteContext,
  removeAbortListener,
  type TimerHandle,
} from '@dyno/core';
import { TimeoutError } from '../errors.js';
import type { SettleOutcome } from '../events.js';
import { type Reject, type Resolve, runTask } from './capture.js';

/** What a timed run reports to: a `Timeout` policy or a `Pool` with a `timeout`. */
export interface TimedOwner {
  readonly name: string;
  readonly timeout: number;
  /** The running tasks of this owner and the one timer serving all of them. */
  readonly deadlines: Deadlines;
  /** The deadline passed before the task settled (the caller has just been rejected). */
  expired(): void;
  /** The task itself settled; `outcome` is what the caller got; `startedAt` is -1 if unknown. */
  finished(outcome: SettleOutcome, startedAt: number): void;
}

const noop = (): void => {};
// tolerance when comparing clock times computed by subtraction
const EPSILON = 1e-6;

/** A timer handle that can stop holding the process open (Node's `Timeout`). */
interface Unrefable {
  ref(): unknown;
  unref(): unknown;
}

const isUnrefable = (handle: TimerHandle): handle is Unrefable =>
  typeof handle === 'object' &&
  handle !== null &&
  typeof (handle as Unrefable).unref === 'function' &&
  typeof (handle as Unrefable).ref === 'function';

/**
 * The running timed tasks of one owner and the single clock timer that serves them all. Every
 * task has the same timeout, so deadlines come in start order: the tasks form a doubly linked
 * list (O(1) removal when one settles) and one timer, armed for the head, is enough. When it
 * fires it expires every task that is due and re-arms for the new head.
 *
 * When the list empties the timer is not needed any more. A handle with `ref`/`unref` (Node's
 * timers, so the system clock) is kept but unref'd, so it never holds the process open, and it
 * is ref'd again by the next task: strictly sequential calls then cost two cheap flag flips
 * instead of a `setTimeout` + `clearTimeout` pair each. Any other clock's timer (a
 * `ManualClock`, say) is cleared at once.
 */
export class Deadlines {
  /** The task due first. */
  head: TimedRun<unknown> | undefined;
  /** The task due last (started last). */
  tail: TimedRun<unknown> | undefined;
  #timer: TimerHandle | undefined;
  // the timer's handle has ref/unref, and whether it holds the process now
  #unrefable = false;
  #refed = false;
  #firing = false;

  constructor(
    readonly clock: Clock,
    readonly timeout: number,
  ) {}

  /** A task was just appended: make sure a timer will fire for the head and holds the process. */
  ensureArmed(): void {
    if (this.#firing) return;
    if (this.#timer === undefined) this.#arm(this.timeout);
    else if (!this.#refed) {
      (this.#timer as Unrefable).ref();
      this.#refed = true;
    }
  }

  /** The list just emptied: let go of the timer (see the class comment). */
  idle(): void {
    const timer = this.#timer;
    if (timer === undefined) return;
    if (this.#unrefable) {
      if (this.#refed) {
        (timer as Unrefable).unref();
        this.#refed = false;
      }
      return;
    }
    this.#timer = undefined;
    this.clock.clearTimeout(timer);
  }

  #arm(delay: number): void {
    const timer = this.clock.setTimeout(this.#fire, delay);
    this.#timer = timer;
    this.#unrefable = isUnrefable(timer);
    this.#refed = true;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    // expiring runs user code (abort listeners, onTimeout) that may start tasks: they must not
    // arm a timer for their own, later deadline while an earlier one is still in the list
    this.#firing = true;
    // should expiring ever throw, look again at once rather than leave tasks without a timer
    let left = 0;
    try {
      left = TimedRun.expireDue(this, this.clock.now());
    } finally {
      this.#firing = false;
      if (left >= 0 && this.head !== undefined) this.#arm(left);
    }
  };
}

const RUNNING = 0;
const TIMED_OUT = 1;
const CALLER_ABORTED = 2;
const DONE = 3;

/**
 * One task run under a deadline. It is the task's context: `signal` is a getter that makes the
 * `AbortController` only when the task first reads it (most tasks never do, and a controller per
 * call is the costliest part of a timeout), already aborted if the deadline has passed. It also
 * listens to the caller's signal as an `EventListenerObject`, so no closure is made for that.
 * While running it sits in its owner's `Deadlines` list; it has no timer of its own.
 */
export class TimedRun<T> implements ExecuteContext {
  readonly #owner: TimedOwner;
  readonly #caller: AbortSignal | undefined;
  readonly #resolve: Resolve<T>;
  readonly #reject: Reject;
  readonly #startedAt: number;
  #deadline: number;
  #prev: TimedRun<unknown> | undefined;
  #next: TimedRun<unknown> | undefined;
  #controller: AbortController | undefined;
  #reason: unknown;
  #state = RUNNING;

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
  ) {
    this.#owner = owner;
    this.#caller = caller;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#startedAt = startedAt;
    if (fn === undefined) {
      // the idle `shapeKeeper`: a fractional number so the field holds doubles from the start
      this.#deadline = 0.5;
      return;
    }
    const list = owner.deadlines;
    this.#deadline = (startedAt < 0 ? list.clock.now() : startedAt) + owner.timeout;
    // append: the newest task is due last
    const tail = list.tail;
    this.#prev = tail;
    this.#next = undefined;
    if (tail === undefined) list.head = this as TimedRun<unknown>;
    else tail.#next = this as TimedRun<unknown>;
    list.tail = this as TimedRun<unknown>;
    list.ensureArmed();
    if (caller !== undefined) addAbortListener(caller, this);
    runTask(fn, this, this.#onValue, this.#onError);
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
  );

  /** Aborted when the deadline passes or the caller's signal aborts, with that reason. */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = new AbortController();
      this.#controller = controller;
      if (this.#state === TIMED_OUT || this.#state === CALLER_ABORTED) {
        controller.abort(this.#reason);
      }
    }
    return controller.signal;
  }

  /** The caller's signal aborted: release the caller now; the task runs on until it settles. */
  handleEvent(): void {
    if (this.#state !== RUNNING) return;
    this.#state = CALLER_ABORTED;
    this.#unlink();
    this.#release(abortReason(this.#caller as AbortSignal));
  }

  /**
   * Expires every task of `list` whose deadline is `now` or earlier, in order.
   * @returns the ms until the new head is due, or -1 when the list is empty
   */
  static expireDue(list: Deadlines, now: number): number {
    for (let run = list.head; run !== undefined; run = list.head) {
      const left = run.#deadline - now;
      if (left > EPSILON) return left;
      run.#expire();
    }
    return -1;
  }

  #expire(): void {
    this.#state = TIMED_OUT;
    this.#unlink();
    if (this.#caller !== undefined) removeAbortListener(this.#caller, this);
    this.#release(new TimeoutError(this.#owner.timeout, this.#owner.name));
    this.#owner.expired();
  }

  #unlink(): void {
    const list = this.#owner.deadlines;
    const prev = this.#prev;
    const next = this.#next;
    if (prev === undefined) list.head = next;
    else prev.#next = next;
    if (next === undefined) list.tail = prev;
    else next.#prev = prev;
    this.#prev = undefined;
    this.#next = undefined;
    if (list.head === undefined) list.idle();
  }

  #release(reason: unknown): void {
    this.#reason = reason;
    this.#reject(reason);
    this.#controller?.abort(reason);
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

  // the caller was released earlier; the task has only now let go of its slot
  #late(): void {
    const outcome = this.#state === TIMED_OUT ? 'timeout' : 'cancelled';
    this.#state = DONE;
    this.#owner.finished(outcome, this.#startedAt);
  }
}
