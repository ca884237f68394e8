import type { ExecuteContext } from '@dyno/core';
import type { Reject, Resolve } from './capture.js';

const noop = (): void => {};

/**
 * A call waiting in a pool's queue. It listens to the caller's signal as an
 * `EventListenerObject`, so waiting costs one object and the promise, and no closure.
 */
export class Waiter {
  /** Set when the waiter leaves the queue (started, aborted, expired or disposed). */
  done = false;

  constructor(
    readonly fn: (context: ExecuteContext) => unknown,
    readonly signal: AbortSignal | undefined,
    readonly resolve: Resolve<unknown>,
    readonly reject: Reject,
    /** When it was queued (clock ms), or -1 when nobody needed to know. */
    readonly at: number,
    readonly cancel: (waiter: Waiter) => void,
    /** The deadline the call gets when it starts, in ms; 0 for none. */
    readonly timeout: number,
  ) {}

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.cancel(this);
  }

  /**
   * @internal A waiter kept for good, so that V8 keeps this class's hidden classes through a
   * full garbage collection while no call is queued (see `TimedRun.shapeKeeper`). `at` and
   * `timeout` are fractional so the fields hold doubles from the start.
   */
  static readonly shapeKeeper: object = new Waiter(noop, undefined, noop, noop, -0.5, noop, 0.5);
}
