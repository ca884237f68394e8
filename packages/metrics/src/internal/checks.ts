import { format, type Rule } from '@dyno/core';
import type { OutcomeCounts } from '../outcome.js';
import * as S from './slots.js';

const PKG = '@dyno/metrics';

/** The outcome slots of `v` as named counts. */
export function outcomeCounts(v: ArrayLike<number>): OutcomeCounts {
  return {
    success: v[S.SUCCESS] as number,
    failure: v[S.FAILURE] as number,
    timeout: v[S.TIMEOUT] as number,
    shortCircuited: v[S.SHORT_CIRCUITED] as number,
    rejected: v[S.REJECTED] as number,
    fallbackSuccess: v[S.FALLBACK_SUCCESS] as number,
    fallbackFailure: v[S.FALLBACK_FAILURE] as number,
  };
}

/** The error for an outcome that is not one of `OUTCOMES`. */
export function badOutcome(outcome: unknown): TypeError {
  return new TypeError(
    `${PKG}: outcome must be one of "success", "failure", "timeout", "short-circuited", "rejected", "fallback-success", "fallback-failure"; received ${typeof outcome === 'string' ? JSON.stringify(outcome) : String(outcome)}`,
  );
}

/**
 * The duration an observed source's event reports, when it is a latency (finite, >= 0 ms);
 * `undefined` otherwise. A source's broken clock or a value of the wrong kind must lose only the
 * latency: refused by `checkLatency` inside the listener, it lost the outcome too.
 */
export function durationOf(duration: unknown): number | undefined {
  return typeof duration === 'number' && duration >= 0 && duration < Number.POSITIVE_INFINITY
    ? duration
    : undefined;
}

/**
 * Throws unless `latency` is `undefined` (not known) or a number (`TypeError`: a string or
 * `null` passes the comparisons below) that is finite and >= 0 ms (`RangeError`).
 */
export function checkLatency(latency: number | undefined): void {
  if (latency === undefined) return;
  if (typeof latency !== 'number') {
    throw new TypeError(
      `${PKG}: a latency must be a number of ms or undefined; received ${format(latency)}`,
    );
  }
  // written so that NaN fails too
  if (!(latency >= 0 && latency < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`${PKG}: a latency must be finite and >= 0 ms; received ${latency}`);
  }
}

/**
 * Throws a `RangeError` for a time (`now`, given or read from the clock) that is not a finite
 * number: NaN or Infinity would move a rolling window to no bucket at all, for good.
 */
export function checkNow(now: number): void {
  if (!Number.isFinite(now)) {
    throw new RangeError(`${PKG}: a time must be a finite number of ms; received ${now}`);
  }
}

/** Throws unless `window` splits into `count` buckets of whole milliseconds. */
export function checkDivisible(
  option: string,
  window: number,
  countOption: string,
  count: number,
): void {
  const width = window / count;
  if (!Number.isInteger(width)) {
    throw new RangeError(
      `${PKG}: option \`${option}\` must be a whole multiple of \`${countOption}\` (${count}) ms; received ${window}`,
    );
  }
}

/** The rule of `latencyBoundaries`: 1 to 100 ascending finite numbers above 0. */
export const BOUNDARIES: Rule = Object.freeze({
  expected: 'an array of 1 to 100 ascending finite numbers > 0 (ms)',
  test(v: unknown) {
    if (!Array.isArray(v)) return 'type';
    if (v.some((x) => typeof x !== 'number')) return 'type';
    const ok =
      v.length >= 1 &&
      v.length <= 100 &&
      v.every((x: number, i) => Number.isFinite(x) && x > 0 && (i === 0 || x > v[i - 1]));
    return ok ? undefined : 'range';
  },
});
