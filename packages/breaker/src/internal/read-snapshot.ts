import type { CircuitSnapshot } from '../snapshot.js';

const STATES = ['closed', 'open', 'half-open'];
const KINDS = ['consecutive-failures', 'count-window', 'time-window'];

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function windowProblem(w: unknown): string | undefined {
  if (!isObject(w)) return '`window` must be an object';
  if (!KINDS.includes(w.kind as string))
    return `\`window.kind\` must be one of ${KINDS.join(', ')}`;
  if (w.kind === 'consecutive-failures') {
    return isCount(w.failures) ? undefined : '`window.failures` must be a count';
  }
  if (w.kind === 'count-window') {
    const ok = Array.isArray(w.outcomes) && w.outcomes.every((c) => [0, 1, 2, 3].includes(c));
    return ok ? undefined : '`window.outcomes` must be an array of 0, 1, 2 or 3';
  }
  if (!isTime(w.elapsed)) return '`window.elapsed` must be a finite number >= 0';
  const ok =
    Array.isArray(w.buckets) &&
    w.buckets.every(
      (b) =>
        Array.isArray(b) &&
        b.length === 3 &&
        b.every(isCount) &&
        (b[1] as number) <= (b[0] as number) &&
        (b[2] as number) <= (b[0] as number),
    );
  return ok ? undefined : '`window.buckets` must hold [calls, failures, slowCalls] counts';
}

function problem(s: unknown): string | undefined {
  if (!isObject(s)) return 'it must be an object';
  if (s.version !== 1) return '`version` must be 1';
  if (!STATES.includes(s.state as string)) return `\`state\` must be one of ${STATES.join(', ')}`;
  if (!isTime(s.openRemaining)) return '`openRemaining` must be a finite number >= 0';
  if (!isCount(s.reopenCount)) return '`reopenCount` must be a count';
  return windowProblem(s.window);
}

/**
 * Checks a saved snapshot (it may come from storage, so it is not trusted) and returns it, or
 * throws a `TypeError` that says what is wrong.
 */
export function readSnapshot(value: unknown): CircuitSnapshot {
  const what = problem(value);
  if (what !== undefined) {
    throw new TypeError(`@dyno/breaker: option \`snapshot\` is not a circuit snapshot: ${what}`);
  }
  return value as CircuitSnapshot;
}

/**
 * True for a value `new CircuitBreaker({ snapshot })` accepts: the same checks, as a predicate
 * for a store that must answer `undefined` for a malformed value rather than throw.
 */
export function isCircuitSnapshot(value: unknown): value is CircuitSnapshot {
  return problem(value) === undefined;
}
