import { abortReason, checkAnswer, NEVER_ABORTED, sleep } from '@dyno/core';
import { type BackoffContext, clampDelay } from '../backoff/backoff.js';
import { CompoundError, type GiveUpReason } from '../errors.js';
import { AbortGuard } from './abort-guard.js';
import { History, type MutableRecord } from './history.js';
import { isHint } from './retry-after.js';
import type { Outcome, Settings, Target } from './settings.js';
import { yieldTurn, ZERO_WAITS_PER_TURN } from './yield-turn.js';

const PKG = '@dyno/retry';

type MutableBackoffContext = { -readonly [K in keyof BackoffContext]: BackoffContext[K] };

/** A call as the retry loop takes it over. */
export interface LoopCall {
  /** How to call the user's function. */
  readonly target: Target;
  /** The caller's signal; `undefined` when the call cannot be cancelled. */
  readonly signal: AbortSignal | undefined;
  /** When the call started, on the policy's clock. */
  readonly start: number;
  /**
   * The first attempt's outcome when the fast path ran it already (it failed, or its result was
   * judged unwanted); `undefined` to run every attempt here.
   */
  readonly first: Outcome | undefined;
}

/**
 * Runs the attempts of a call after the fast path has seen the first one fail, or every attempt
 * of a call with a signal. Allocation is fine here: something failed, or the caller can cancel.
 */
export async function runRetries<T>(s: Settings, call: LoopCall): Promise<T> {
  // one abort listener for the whole call, not one per attempt and wait
  const guard = call.signal === undefined ? undefined : new AbortGuard(call.signal);
  try {
    return await loop<T>(s, call, guard);
  } finally {
    guard?.dispose();
  }
}

async function loop<T>(s: Settings, call: LoopCall, guard: AbortGuard | undefined): Promise<T> {
  const { signal, start: callStart } = call;
  const history = new History();
  const backoff: MutableBackoffContext = {
    attempt: 0,
    previous: 0,
    random: s.random,
    state: 0,
    failed: true,
    error: undefined,
    result: undefined,
    elapsed: 0,
  };
  let attempt = 1;
  let start = callStart;
  // the backoff waited so far: at least that much time has passed, whatever the clock says (one
  // that stands still would keep the deadline from ever coming)
  let waited = 0;
  // waits of 0 in a row: every `ZERO_WAITS_PER_TURN` of them, the event loop turns once
  let zeroWaits = 0;
  let outcome = call.first;
  for (;;) {
    if (outcome === undefined) outcome = await attemptOnce(call, guard, attempt);
    const end = s.clock.now();
    const record: MutableRecord = outcome.failed
      ? {
          attempt,
          failed: true,
          error: outcome.value,
          start,
          duration: end - start,
          delay: undefined,
        }
      : {
          attempt,
          failed: false,
          result: outcome.value,
          start,
          duration: end - start,
          delay: undefined,
        };
    history.add(record);
    // a predicate, backoff or hint that throws rejects the call with what it threw; nothing has
    // been taken from the budget yet, so the policy stays as it was
    if (!(outcome.retry ?? decide(s, outcome, attempt))) {
      if (outcome.failed) {
        // a predicate that aborted the call ended it: cancellation wins over the failure
        if (signal?.aborted) throw abortReason(signal);
        return giveUp(s, history, record, 'not-retryable');
      }
      if (s.onSuccess?.hasListeners) s.onSuccess.emit({ name: s.name, attempts: attempt });
      return outcome.value as T;
    }
    if (attempt >= s.attempts) return giveUp(s, history, record, 'attempts');
    backoff.attempt = attempt;
    backoff.failed = outcome.failed;
    backoff.error = outcome.failed ? outcome.value : undefined;
    backoff.result = outcome.failed ? undefined : outcome.value;
    const elapsed = Math.max(end - callStart, waited);
    backoff.elapsed = elapsed;
    const delay = clampDelay(nextDelay(s, backoff, outcome, attempt), s.maxDelay);
    // a predicate, backoff or hint that aborted the call ended it: no retry is announced or
    // taken from the budget
    if (signal?.aborted) throw abortReason(signal);
    if (s.deadline !== undefined && elapsed + delay > s.deadline) {
      return giveUp(s, history, record, 'deadline');
    }
    if (s.budget !== undefined && !s.budget.tryRetry()) {
      return giveUp(s, history, record, 'budget');
    }
    record.delay = delay;
    backoff.previous = delay;
    if (s.onRetry?.hasListeners) {
      s.onRetry.emit(
        outcome.failed
          ? { name: s.name, attempt, delay, failed: true, error: outcome.value }
          : { name: s.name, attempt, delay, failed: false, result: outcome.value },
      );
    }
    // sleep rejects with the abort reason the moment the signal aborts, clearing its timer
    if (delay > 0) {
      zeroWaits = 0;
      await sleep(delay, { signal, clock: s.clock });
    } else if (++zeroWaits === ZERO_WAITS_PER_TURN) {
      zeroWaits = 0;
      await yieldTurn();
    }
    waited += delay;
    if (signal?.aborted) throw abortReason(signal);
    attempt += 1;
    start = s.clock.now();
    outcome = undefined;
  }
}

/** The wait before the next attempt: the failure's own hint (`retryAfter`), else the backoff's. */
function nextDelay(s: Settings, context: BackoffContext, outcome: Outcome, attempt: number) {
  const hint = s.retryAfter === undefined ? undefined : s.retryAfter(outcome, attempt);
  return isHint(hint) ? hint : s.backoff.delay(context);
}

/** Runs one attempt; rejects only when the call is cancelled. */
async function attemptOnce(
  call: LoopCall,
  guard: AbortGuard | undefined,
  attempt: number,
): Promise<Outcome> {
  const { signal } = call;
  let value: unknown;
  try {
    const { fn, thisArg, args } = call.target;
    const pending =
      args === undefined
        ? fn({ signal: signal ?? NEVER_ABORTED, attempt })
        : Reflect.apply(fn, thisArg, args);
    value = await (guard === undefined ? pending : guard.race(pending));
  } catch (error) {
    // cancellation wins over whatever the attempt did once the signal has aborted
    if (signal?.aborted) throw abortReason(signal);
    return { failed: true, value: error };
  }
  if (signal?.aborted) throw abortReason(signal);
  return { failed: false, value };
}

function decide(s: Settings, outcome: Outcome, attempt: number): boolean {
  if (outcome.failed && s.isRetryable !== undefined) {
    const retryable = s.isRetryable(outcome.value, attempt);
    if (!checkAnswer(PKG, 'isRetryable', retryable)) return false;
  }
  if (s.shouldRetry === undefined) return outcome.failed;
  const judged = outcome.failed
    ? s.shouldRetry({ failed: true, error: outcome.value }, attempt)
    : s.shouldRetry({ failed: false, result: outcome.value }, attempt);
  return Boolean(checkAnswer(PKG, 'shouldRetry', judged));
}

/**
 * Ends the call without a wanted result: the last result resolves; a failure rejects, as itself
 * when it is the only one (it was never retried), else inside a `CompoundError`.
 */
function giveUp<T>(s: Settings, history: History, last: MutableRecord, reason: GiveUpReason): T {
  if (s.onGiveUp?.hasListeners) {
    s.onGiveUp.emit(
      last.failed
        ? { name: s.name, attempts: history.count, error: last.error, failed: true, reason }
        : {
            name: s.name,
            attempts: history.count,
            error: undefined,
            failed: false,
            result: last.result,
            reason,
          },
    );
  }
  if (!last.failed) return last.result as T;
  if (s.throwLastError || history.failures < 2) throw last.error;
  throw new CompoundError(history.kept(), reason, {
    source: s.name,
    dropped: history.count - history.size,
  });
}
