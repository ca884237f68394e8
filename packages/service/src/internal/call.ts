import { BrokenCircuitError } from '@dyno/breaker';
import { abortReason, type ExecuteContext, type ExecuteOptions, NEVER_ABORTED } from '@dyno/core';
import { CompoundError, type RetryContext } from '@dyno/retry';
import { FallbackError } from '../errors.js';
import type { ServiceContext } from '../service-context.js';
import { isOwnTimeout } from './outcome.js';
import type { Parts } from './parts.js';

/** How the service calls the protected function: `fn(context, ...args)` or a method's `fn(...args)`. */
export type Invoker = (thisArg: unknown, args: unknown[], context: ServiceContext) => unknown;

const NO_CONTEXT: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });

/**
 * The context one attempt's function receives. `signal` is read from the innermost policy only
 * when the function asks for it, so an untouched timeout never makes an `AbortController`.
 */
class AttemptContext implements ServiceContext {
  readonly #inner: ExecuteContext;
  readonly attempt: number;

  constructor(inner: ExecuteContext, attempt: number) {
    this.#inner = inner;
    this.attempt = attempt;
  }

  get signal(): AbortSignal {
    return this.#inner.signal;
  }
}

/**
 * One call through the layers fallback → retry → breaker → pool → timeout → fn. A layer's
 * handler is made only when that layer is on; attempts of one call never overlap (the next
 * starts after the previous one settled for its caller), so the per-attempt fields are safe.
 */
export class Call {
  readonly #p: Parts;
  readonly #invoke: Invoker;
  readonly #thisArg: unknown;
  readonly #args: unknown[];
  readonly #signal: AbortSignal | undefined;
  // passed down only when the caller gave a signal: a never-aborting one would make every layer
  // take its slow path and add listeners for nothing
  readonly #options: ExecuteOptions | undefined;
  #attempt = 1;
  #start = 0;
  #entered = false;

  constructor(
    parts: Parts,
    invoke: Invoker,
    thisArg: unknown,
    args: unknown[],
    signal: AbortSignal | undefined,
  ) {
    this.#p = parts;
    this.#invoke = invoke;
    this.#thisArg = thisArg;
    this.#args = args;
    this.#signal = signal;
    this.#options = signal === undefined ? undefined : { signal };
  }

  /** Runs the call: every layer that is on, then the fallback. */
  run(): Promise<unknown> {
    const p = this.#p;
    // Each layer gets a closure only when it is on, so a call makes no handler it never uses.
    const result =
      p.retry === undefined
        ? this.#runAttempt(undefined)
        : p.retry.execute((context) => this.#runAttempt(context), this.#options);
    return p.hasFallback ? result.then(undefined, (error) => this.#fallback(error)) : result;
  }

  /** One attempt: breaker → pool → timeout → fn, recorded in the metrics. */
  #runAttempt(context: RetryContext | undefined): Promise<unknown> {
    const p = this.#p;
    this.#attempt = context === undefined ? 1 : context.attempt;
    this.#entered = false;
    if (p.metrics !== undefined) this.#start = p.clock.now();
    const result =
      p.breaker === undefined
        ? this.#toPool()
        : p.breaker.execute(() => this.#toPool(), this.#options);
    return p.metrics === undefined
      ? result
      : result.then(
          (value) => this.#succeeded(value),
          (error) => this.#failed(error),
        );
  }

  #toPool(): Promise<unknown> {
    const p = this.#p;
    const toFn = (context: ExecuteContext) => this.#toFn(context);
    if (p.pool !== undefined) {
      const layer = p.timeoutLayer;
      // the pool's task, with a separate timeout layer inside it when there is one (the pool
      // turns a synchronous throw into a rejection itself)
      const task = layer === undefined ? toFn : () => layer.execute(toFn, this.#options);
      return p.pool.execute(task, this.#options);
    }
    if (p.timeoutLayer !== undefined) return p.timeoutLayer.execute(toFn, this.#options);
    // no layer below: a synchronous throw must still become a rejection
    try {
      return Promise.resolve(this.#toFn(NO_CONTEXT));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #toFn(context: ExecuteContext): unknown {
    this.#entered = true;
    const metrics = this.#p.metrics;
    if (metrics !== undefined) metrics.begin(this.#start);
    const inner = context === NO_CONTEXT && this.#signal !== undefined ? this.#options : context;
    return this.#invoke(
      this.#thisArg,
      this.#args,
      new AttemptContext(inner as ExecuteContext, this.#attempt),
    );
  }

  #succeeded(value: unknown): unknown {
    (this.#p.metrics as NonNullable<Parts['metrics']>).end('success', this.#start);
    return value;
  }

  #failed(error: unknown): never {
    const p = this.#p;
    const metrics = p.metrics as NonNullable<Parts['metrics']>;
    if (this.#entered) {
      metrics.end(isOwnTimeout(error, p.timeoutSource) ? 'timeout' : 'failure', this.#start);
    } else if (this.#signal === undefined || !this.#signal.aborted) {
      // refused before the dependency was called: counted, without a latency
      const outcome = BrokenCircuitError.isInstance(error) ? 'short-circuited' : 'rejected';
      metrics.record(outcome, undefined, this.#start);
    }
    throw error;
  }

  #fallback(error: unknown): unknown {
    const signal = this.#signal;
    // a call its caller cancelled wants no answer at all
    if (signal?.aborted) throw abortReason(signal);
    const p = this.#p;
    // an error the breaker's `isFailure` says is not a failure is the dependency's answer: the
    // caller gets it as it is, never a fallback (opossum#540)
    if (p.breaker !== undefined && !p.breaker.countsAsFailure(lastError(error))) throw error;
    const fallback = p.fallback;
    if (typeof fallback !== 'function') {
      p.metrics?.record('fallback-success');
      return fallback;
    }
    let result: unknown;
    try {
      result = fallback.call(this.#thisArg, error, this.#args);
    } catch (fallbackError) {
      throw this.#fallbackFailed(error, fallbackError);
    }
    return Promise.resolve(result).then(
      (value) => {
        p.metrics?.record('fallback-success');
        return value;
      },
      (fallbackError) => {
        throw this.#fallbackFailed(error, fallbackError);
      },
    );
  }

  #fallbackFailed(error: unknown, fallbackError: unknown): FallbackError {
    this.#p.metrics?.record('fallback-failure');
    return new FallbackError(this.#p.name, error, fallbackError);
  }
}

/** The error of the last attempt: retry's `CompoundError` keeps it as its `cause`. */
function lastError(error: unknown): unknown {
  return CompoundError.isInstance(error) ? error.cause : error;
}
