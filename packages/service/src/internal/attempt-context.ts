import { type ExecuteContext, NEVER_ABORTED } from '@dyno/core';
import type { ServiceContext } from '../service-context.js';

/**
 * The context one attempt's function receives. `signal` is read from the innermost policy only
 * when the function asks for it, so an untouched timeout never makes an `AbortController`.
 */
export class AttemptContext implements ServiceContext {
  readonly #inner: ExecuteContext;
  readonly attempt: number;

  constructor(inner: ExecuteContext, attempt: number) {
    this.#inner = inner;
    this.attempt = attempt;
  }

  get signal(): AbortSignal {
    return this.#inner.signal;
  }

  /**
   * @internal One context kept for good, so V8 keeps the hidden classes a new one steps through
   * while none is alive at a full collection (see `TimedRun.shapeKeeper` in `@dyno/pool`).
   */
  static readonly shapeKeeper: object = new AttemptContext({ signal: NEVER_ABORTED }, 1);
}
