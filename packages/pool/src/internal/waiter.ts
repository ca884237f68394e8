import type { ExecuteContext } from '@dyno/core';
import type { Reject, Resolve } from './promises.js';

/**
 * A call waiting in a pool's queue. It listens to the caller's signal itself, as an
 * `EventListenerObject` (`handleEvent`), so no listener function is made per waiter.
 */
export interface Waiter {
  readonly fn: (context: ExecuteContext) => unknown;
  readonly signal: AbortSignal | undefined;
  /** The deadline the call gets when it starts, in ms, or `false` for none. */
  readonly timeout: number | false;
  readonly resolve: Resolve<unknown>;
  readonly reject: Reject;
  /** When it was queued (clock ms), or `undefined` when nobody needed to know. */
  readonly queuedAt: number | undefined;
  /** Called when the caller's signal aborts while the call waits. */
  readonly cancel: (waiter: Waiter) => void;
  /** Set when the waiter leaves the queue (started, aborted, expired or disposed). */
  done: boolean;
  /** The caller's signal aborted. */
  handleEvent(this: Waiter): void;
}

/** What a `Waiter` is made from. */
export type WaiterInit = Omit<Waiter, 'done' | 'handleEvent'>;

// one function for every waiter, called with the waiter as `this`
function handleEvent(this: Waiter): void {
  this.cancel(this);
}

/**
 * A new waiter. A record made by one object literal, not an instance of a class: a class's
 * hidden classes die at a full collection when no waiter is alive (between batches), and the
 * queue's optimised code with them; a literal's stay with this function (decision 99).
 */
export function newWaiter(init: WaiterInit): Waiter {
  return {
    fn: init.fn,
    signal: init.signal,
    timeout: init.timeout,
    resolve: init.resolve,
    reject: init.reject,
    queuedAt: init.queuedAt,
    cancel: init.cancel,
    done: false,
    handleEvent,
  };
}
