import { abortReason, NEVER_ABORTED, sleep } from '@dyno/core';
import { type BackoffContext, clampDelay } from '../backoff/backoff.js';
import { CompoundError, type GiveUpReason } from '../errors.js';
import { AbortGuard } from './abort-guard.js';
import { History, type MutableRecord } from './history.js';
import { isHint } from './retry-after.js';
import type { Outcome, Settings, Target } from './settings.js';

type MutableBackoffContext = { -readonly [K in keyof BackoffContext]: BackoffContext[K] };

/**
 * Runs the attempts after the fast path has seen the first one fail (`first` given), or every
 * attempt of a call with a signal (`first` undefined). Allocation is fine here: something failed.
 */
export async function runRetries<T>(
  s: Settings,
  target: Target,
  signal: AbortSignal,
  callStart: number,
  first: Outcome | undefined,
): Promise<T> {
  const guard = signal === NEVER_ABORTED ? undefined : new AbortGuard(signal);
  try {
    return await loop<T>(s, target, signal, guard, callStart, first);
  } finally {
    guard?.dispose();
  }
}

async function loop<T>(
  s: Settings,
  target: Target,
  signal: AbortSignal,
  guard: AbortGuard | undefined,
  callStart: number,
  first: Outcome | undefined,
): Promise<T> {
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
  let outcome = first;
  for (;;) {
    if (outcome === undefined) outcome = await attemptOnce(target, signal, guard, attempt);
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
      if (outcome.failed) return giveUp(s, history, record, 'not-retryable');
      if (s.onSuccess?.hasListeners) s.onSuccess.emit({ name: s.name, attempts: attempt });
      return outcome.value as T;
    }
    if (attempt >= s.attempts) return giveUp(s, history, record, 'attempts');
    backoff.attempt = attempt;
    backoff.failed = outcome.failed;
    backoff.error = outcome.failed ? outcome.value : undefined;
    backoff.result = outcome.failed ? undefined : outcome.value;
    backoff.elapsed = end - callStart;
    const delay = clampDelay(nextDelay(s, backoff, outcome, attempt), s.maxDelay);
    if (s.deadline !== undefined && end + delay > callStart + s.deadline) {
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
    if (delay > 0)
      await sleep(delay, { signal: guard === undefined ? undefined : signal, clock: s.clock });
    if (signal.aborted) throw abortReason(signal);
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

async function attemptOnce(
  target: Target,
  signal: AbortSignal,
  guard: AbortGuard | undefined,
  attempt: number,
): Promise<Outcome> {
  let value: unknown;
  try {
    const { fn, thisArg, args } = target;
    const pending = args === undefined ? fn({ signal, attempt }) : Reflect.apply(fn, thisArg, args);
    value = await (guard === undefined ? pending : guard.race(pending));
  } catch (error) {
    // cancellation wins over whatever the attempt did once the signal has aborted
    if (signal.aborted) throw abortReason(signal);
    return { failed: true, value: error };
  }
  if (signal.aborted) throw abortReason(signal);
  return { failed: false, value };
}

function decide(s: Settings, outcome: Outcome, attempt: number): boolean {
  if (outcome.failed && s.isRetryable !== undefined && !s.isRetryable(outcome.value, attempt)) {
    return false;
  }
  if (s.shouldRetry === undefined) return outcome.failed;
  const judged = outcome.failed
    ? s.shouldRetry({ failed: true, error: outcome.value }, attempt)
    : s.shouldRetry({ failed: false, result: outcome.value }, attempt);
  return Boolean(judged);
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
