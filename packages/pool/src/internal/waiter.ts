import type { ExecuteContext } from '@dyno/core';
import type { Reject, Resolve } from './promises.js';

/** What a `Waiter` is made from. */
export interface WaiterInit {
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
}

/**
 * A call waiting in a pool's queue. It listens to the caller's signal itself, as an
 * `EventListenerObject` (`handleEvent`), so no listener function is made per waiter.
 */
export class Waiter {
  readonly fn: (context: ExecuteContext) => unknown;
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | false;
  readonly resolve: Resolve<unknown>;
  readonly reject: Reject;
  readonly queuedAt: number | undefined;
  readonly #cancel: (waiter: Waiter) => void;
  /** Set when the waiter leaves the queue (started, aborted, expired or disposed). */
  done = false;

  constructor(init: WaiterInit) {
    this.fn = init.fn;
    this.signal = init.signal;
    this.timeout = init.timeout;
    this.resolve = init.resolve;
    this.reject = init.reject;
    this.queuedAt = init.queuedAt;
    this.#cancel = init.cancel;
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.#cancel(this);
  }
}
