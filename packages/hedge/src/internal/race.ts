import { abortReason, checkAnswer, onAbort, type TimerHandle, toPromise } from '@dyno/core';
import { HedgeError, HedgeLostError } from '../errors.js';
import type { HedgeOutcome } from '../options.js';
import type { Settings } from './settings.js';

/** What `fn` is called with for each attempt. */
export interface AttemptContext {
  readonly signal: AbortSignal;
  readonly attempt: number;
}

/** The function of one call, with the `this` and arguments it is applied to. */
export interface Target {
  readonly fn: Function;
  readonly thisArg: unknown;
  readonly args: readonly unknown[];
}

/**
 * Runs one hedged call: the first attempt now, another each time the delay passes (or at once
 * when an attempt is unacceptable), up to `maxAttempts` and as the budget allows. The first
 * acceptable outcome settles the call and aborts the other attempts; their late outcomes are
 * handled and ignored. The timer and the caller-signal listener go the moment the call settles.
 */
export function race<T>(s: Settings, target: Target, signal: AbortSignal | undefined): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  s.tally.calls++;
  s.budget?.recordCall();
  return new Promise<T>((resolve, reject) => {
    const clock = s.clock;
    const callStart = clock.now();
    const delay = s.maxAttempts > 1 ? s.delay() : 0;
    const controllers: (AbortController | undefined)[] = [];
    const errors: unknown[] = [];
    let lastResult: { value: unknown } | undefined;
    let lastError: unknown;
    let started = 0;
    let running = 0;
    let done = false;
    let timer: TimerHandle | undefined;

    const stopAll = (why: unknown): void => {
      for (const c of controllers) c?.abort(why);
      controllers.length = 0;
    };
    const finish = (): void => {
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      link.dispose();
    };
    const link = onAbort(signal, () => {
      const why = abortReason(signal as AbortSignal);
      finish();
      stopAll(why);
      reject(why);
    });

    // every attempt has settled unacceptably: `errors` is dense when none returned a result
    const giveUp = (): void => {
      finish();
      if (lastResult !== undefined) resolve(lastResult.value as T);
      else if (errors.length === 1) reject(errors[0]);
      else reject(new HedgeError(s.name, errors, lastError));
    };

    const win = (n: number, outcome: HedgeOutcome, startedAt: number): void => {
      finish();
      controllers[n - 1] = undefined;
      if (controllers.some((c) => c !== undefined)) stopAll(new HedgeLostError(s.name, n));
      const now = s.latencies !== undefined || n > 1 ? clock.now() : 0;
      if (s.latencies !== undefined) s.latencies.add(now - startedAt);
      if (n > 1) {
        s.tally.wins++;
        if (s.onWin.hasListeners) {
          s.onWin.emit({ name: s.name, attempt: n, started, duration: now - callStart });
        }
      }
      if (outcome.failed) reject(outcome.error);
      else resolve(outcome.result as T);
    };

    const settle = (n: number, outcome: HedgeOutcome, startedAt: number): void => {
      if (done) return;
      running--;
      let acceptable: boolean;
      try {
        acceptable = s.isAcceptable
          ? checkAnswer('@dyno/hedge', 'isAcceptable', s.isAcceptable(outcome, n)) === true
          : !outcome.failed;
      } catch (thrown) {
        // a throwing predicate rejects the call with what it threw; the others are stopped
        finish();
        stopAll(new HedgeLostError(s.name, n));
        reject(thrown);
        return;
      }
      // a predicate that aborted the caller ended the call: nothing more is launched or counted
      if (done) return;
      if (acceptable) {
        win(n, outcome, startedAt);
        return;
      }
      controllers[n - 1] = undefined;
      if (outcome.failed) {
        errors[n - 1] = outcome.error;
        lastError = outcome.error;
      } else {
        lastResult = { value: outcome.result };
      }
      if (started < s.maxAttempts && next('failure')) return;
      if (running === 0) giveUp();
    };

    /** Starts attempt `started + 1` if the budget allows; false when it refused. */
    const next = (trigger: 'delay' | 'failure'): boolean => {
      const n = started + 1;
      if (s.budget !== undefined && !s.budget.tryHedge()) {
        s.tally.refused++;
        if (s.onRefuse.hasListeners) s.onRefuse.emit({ name: s.name, attempt: n });
        return false;
      }
      s.tally.hedges++;
      if (s.onHedge.hasListeners) {
        s.onHedge.emit({ name: s.name, attempt: n, trigger });
        // a listener that aborted the caller ended the call: an attempt launched now would run
        // on a signal nobody aborts, with its delay timer armed
        if (done) return true;
      }
      launch();
      return true;
    };

    const launch = (): void => {
      const n = ++started;
      running++;
      const controller = new AbortController();
      controllers.push(controller);
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = started < s.maxAttempts ? clock.setTimeout(onDelay, delay) : undefined;
      const startedAt = n === 1 ? callStart : clock.now();
      const context: AttemptContext = { signal: controller.signal, attempt: n };
      let pending: unknown;
      try {
        pending = Reflect.apply(target.fn, target.thisArg, [context, ...target.args]);
      } catch (error) {
        settle(n, { failed: true, error }, startedAt);
        return;
      }
      // a fresh native promise adopts any thenable (never calling a tampered promise's own `then`
      // or `constructor` here, in a timer), and settles once however often it calls back
      toPromise(pending).then(
        (result) => settle(n, { failed: false, result }, startedAt),
        (error: unknown) => settle(n, { failed: true, error }, startedAt),
      );
    };

    const onDelay = (): void => {
      timer = undefined;
      if (!done && started < s.maxAttempts) next('delay');
    };

    launch();
  });
}
