import {
  type Awaitable,
  abortReason,
  checkAnswer,
  checkOptions,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  type ExecuteOptions,
  format,
  NEVER_ABORTED,
  type Policy,
  resolveOptions,
  steadyClock,
  toPromise,
} from '@dyno/core';
import type { GiveUpEvent, RetryEvent, SuccessEvent } from './events.js';
import { retryAfterReader } from './internal/retry-after.js';
import { runRetries } from './internal/retry-loop.js';
import { type Outcome, RUN, type Settings, type Target } from './internal/settings.js';
import { DEFAULT_RETRY_OPTIONS, RETRY_OPTION_RULES, type RetryOptions } from './options.js';

/** What Retry passes to `fn` in `execute`. */
export interface RetryContext extends ExecuteContext {
  /** The caller's signal, or a shared never-aborting one. */
  readonly signal: AbortSignal;
  /** This attempt's number, 1-based. */
  readonly attempt: number;
}

/**
 * The retry policy: runs `fn` up to `attempts` times with a backoff between attempts. Gives up
 * with a `CompoundError` holding the failures when two or more attempts failed, and with the
 * failure itself when only one did (it was never retried); a cancelled call rejects with the
 * signal's reason, never with a failure. Holds no timer between calls, so it needs no `dispose()`.
 */
export class Retry implements Policy<RetryContext> {
  /** The instance name, in events and errors. */
  readonly name: string;
  readonly #s: Settings;

  constructor(options?: RetryOptions) {
    const o = resolveOptions('@dyno/retry', options, RETRY_OPTION_RULES, DEFAULT_RETRY_OPTIONS);
    this.name = o.name ?? defaultName('retry');
    // not frozen: the emitters are made on first subscription
    this.#s = {
      name: this.name,
      attempts: o.attempts,
      backoff: o.backoff,
      maxDelay: o.maxDelay,
      shouldRetry: o.shouldRetry as Settings['shouldRetry'],
      isRetryable: o.isRetryable,
      retryAfter: retryAfterReader(o.retryAfter),
      deadline: o.deadline,
      budget: o.budget,
      throwLastError: o.throwLastError,
      // a reading that throws, is not a finite number or steps back counts as no time passed:
      // a throw escaped `execute`, and a `NaN` or a step back kept a deadline from ever coming
      clock: steadyClock(o.clock, '@dyno/retry', this.name),
      random: o.random,
      onRetry: undefined,
      onGiveUp: undefined,
      onSuccess: undefined,
    };
  }

  /** An attempt failed (or returned an unwanted result) and Retry is about to wait and retry. */
  get onRetry(): Event<RetryEvent> {
    // a throwing listener is reported by @dyno/core (reportListenerError), never breaks the call
    this.#s.onRetry ??= new EventEmitter<RetryEvent>('@dyno/retry onRetry');
    return this.#s.onRetry.event;
  }

  /** Retry stopped without a wanted result (attempts, deadline, budget or a non-retryable failure). */
  get onGiveUp(): Event<GiveUpEvent> {
    this.#s.onGiveUp ??= new EventEmitter<GiveUpEvent>('@dyno/retry onGiveUp');
    return this.#s.onGiveUp.event;
  }

  /** An attempt returned a wanted result. */
  get onSuccess(): Event<SuccessEvent> {
    this.#s.onSuccess ??= new EventEmitter<SuccessEvent>('@dyno/retry onSuccess');
    return this.#s.onSuccess.event;
  }

  /**
   * Runs `fn({ signal, attempt })` under the policy. Resolves with the first wanted result;
   * when Retry gives up, rejects with a `CompoundError` after two or more failures (the last
   * failure with `throwLastError`) and with the failure itself after one; rejects with the
   * signal's reason when the call is cancelled, and with a `TypeError` naming `options` when they
   * are not an object.
   */
  execute<T>(fn: (context: RetryContext) => Awaitable<T>, options?: ExecuteOptions): Promise<T> {
    if (options === undefined) return this[RUN](fn, undefined, undefined, undefined);
    let signal: AbortSignal | undefined;
    try {
      checkOptions('@dyno/retry', options);
      signal = options.signal;
    } catch (error) {
      // a getter that throws rejects the call, as a bad option does
      return Promise.reject(error);
    }
    return this[RUN](fn, undefined, undefined, signal);
  }

  /**
   * The engine behind `execute` and `retry()`. Without a signal the first attempt runs inline and
   * the retry loop is entered only once it fails; with no `shouldRetry` and no `onSuccess`
   * listener the success path is one clock read and one `then`.
   * @internal
   */
  [RUN]<T>(
    fn: Function,
    thisArg: unknown,
    args: readonly unknown[] | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError(`@dyno/retry: \`fn\` must be a function; received ${format(fn)}`),
      );
    }
    const s = this.#s;
    if (signal !== undefined && signal !== NEVER_ABORTED) {
      return this.#withSignal({ fn, thisArg, args }, signal);
    }
    if (s.budget !== undefined) s.budget.recordCall();
    const start = s.clock.now();
    let pending: unknown;
    try {
      pending =
        args === undefined
          ? fn({ signal: NEVER_ABORTED, attempt: 1 })
          : Reflect.apply(fn, thisArg, args);
    } catch (error) {
      return retryAfterFailure(s, { fn, thisArg, args }, start, error);
    }
    // never the result's own `then`: a subclass's or a tampered promise's could call back twice,
    // throw, or return no promise; a revoked proxy rejects the call
    const promise = toPromise(pending) as Promise<T>;
    const onRejected = (error: unknown): Promise<T> =>
      retryAfterFailure(s, { fn, thisArg, args }, start, error);
    if (s.shouldRetry === undefined && s.onSuccess?.hasListeners !== true) {
      return promise.then(undefined, onRejected);
    }
    return promise.then((result) => this.#judge(result, { fn, thisArg, args }, start), onRejected);
  }

  #judge<T>(result: T, target: Target, start: number): T | Promise<T> {
    const s = this.#s;
    if (checkAnswer('@dyno/retry', 'shouldRetry', s.shouldRetry?.({ failed: false, result }, 1))) {
      const first: Outcome = { failed: false, value: result, retry: true };
      return runRetries(s, { target, signal: undefined, start, first });
    }
    if (s.onSuccess?.hasListeners) s.onSuccess.emit({ name: this.name, attempts: 1 });
    return result;
  }

  #withSignal<T>(target: Target, signal: AbortSignal): Promise<T> {
    if (!(signal instanceof AbortSignal)) {
      return Promise.reject(
        new TypeError(`@dyno/retry: \`signal\` must be an AbortSignal; received ${format(signal)}`),
      );
    }
    // an aborted signal rejects before fn runs, and the call is not counted in the budget
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const s = this.#s;
    if (s.budget !== undefined) s.budget.recordCall();
    return runRetries(s, { target, signal, start: s.clock.now(), first: undefined });
  }
}

/** The fast path's first attempt failed: the retry loop takes the call over. */
function retryAfterFailure<T>(
  s: Settings,
  target: Target,
  start: number,
  error: unknown,
): Promise<T> {
  return runRetries<T>(s, {
    target,
    signal: undefined,
    start,
    first: { failed: true, value: error },
  });
}
