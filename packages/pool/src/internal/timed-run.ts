import { abortReason, type Clock, type ExecuteContext, type TimerHandle } from '@dyno/core';
import { TimeoutError } from '../errors.js';
import type { SettleOutcome } from '../events.js';
import { type Reject, type Resolve, runTask } from './capture.js';

/** What a timed run reports to: a `Timeout` policy or a `Pool` with a `timeout`. */
export interface TimedOwner {
  readonly name: string;
  readonly clock: Clock;
  readonly timeout: number;
  /** The deadline passed before the task settled (the caller has just been rejected). */
  expired(): void;
  /** The task itself settled; `outcome` is what the caller got; `startedAt` is -1 if unknown. */
  finished(outcome: SettleOutcome, startedAt: number): void;
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
 */
export class TimedRun<T> implements ExecuteContext {
  readonly #owner: TimedOwner;
  readonly #caller: AbortSignal | undefined;
  readonly #resolve: Resolve<T>;
  readonly #reject: Reject;
  readonly #startedAt: number;
  readonly #timer: TimerHandle;
  #controller: AbortController | undefined;
  #reason: unknown;
  #state = RUNNING;

  /** Starts `fn` at once; the caller's promise is settled through `resolve`/`reject`. */
  constructor(
    owner: TimedOwner,
    caller: AbortSignal | undefined,
    resolve: Resolve<T>,
    reject: Reject,
    fn: (context: ExecuteContext) => T | PromiseLike<T>,
    startedAt: number,
  ) {
    this.#owner = owner;
    this.#caller = caller;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#startedAt = startedAt;
    this.#timer = owner.clock.setTimeout(this.#expire, owner.timeout);
    if (caller !== undefined) caller.addEventListener('abort', this);
    runTask(fn, this, this.#onValue, this.#onError);
  }

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
    this.#owner.clock.clearTimeout(this.#timer);
    this.#release(abortReason(this.#caller as AbortSignal));
  }

  readonly #expire = (): void => {
    if (this.#state !== RUNNING) return;
    this.#state = TIMED_OUT;
    this.#caller?.removeEventListener('abort', this);
    this.#release(new TimeoutError(this.#owner.timeout, this.#owner.name));
    this.#owner.expired();
  };

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
    this.#owner.clock.clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this);
  }

  // the caller was released earlier; the task has only now let go of its slot
  #late(): void {
    const outcome = this.#state === TIMED_OUT ? 'timeout' : 'cancelled';
    this.#state = DONE;
    this.#owner.finished(outcome, this.#startedAt);
  }
}
