import { type CircuitSnapshot, isCircuitSnapshot } from '@dyno/breaker';
import { type Clock, check, format, is, systemClock, validate } from '@dyno/core';
import type { Redis } from 'ioredis';
import { runScript } from './internal/run.js';
import { LOAD_SCRIPT, SAVE_SCRIPT } from './internal/scripts.js';

const PKG = '@dyno/breaker-redis';

/** Options of `saveCircuitSnapshot` and `loadCircuitSnapshot`. */
export interface CircuitSnapshotOptions {
  /**
   * Put in front of the key.
   * @default "dyno:fleet:"
   */
  readonly prefix?: string;
  /**
   * The longest the command may take, in ms.
   * @default 500
   */
  readonly timeout?: number;
  /**
   * How long Redis keeps a saved snapshot, in ms (save only).
   * @default 86_400_000 (a day)
   */
  readonly ttl?: number;
  /** Times `timeout`. @default systemClock */
  readonly clock?: Clock;
}

const RULES = Object.freeze({
  prefix: is.string,
  timeout: is.duration(0, true),
  ttl: is.duration(0, true),
  clock: is.clock,
});

const settings = (options: CircuitSnapshotOptions | undefined) => {
  const o = validate(PKG, options, RULES) as CircuitSnapshotOptions;
  return {
    prefix: o.prefix ?? 'dyno:fleet:',
    timeout: o.timeout ?? 500,
    ttl: o.ttl ?? 86_400_000,
    clock: o.clock ?? systemClock,
  };
};

/**
 * Saves `snapshot` (a breaker's `snapshot()`) under `<prefix><circuit>:snapshot`, stamped with
 * Redis's time so a process that loads it later knows how old it is. Rejects when Redis fails
 * or takes longer than `timeout`, and with a `TypeError` (saving nothing) when `snapshot` is not
 * one the breaker would take back.
 */
export async function saveCircuitSnapshot(
  client: Redis,
  circuit: string,
  snapshot: CircuitSnapshot,
  options?: CircuitSnapshotOptions,
): Promise<void> {
  check(PKG, 'circuit', circuit, is.string);
  // saved, anything else would replace a good snapshot and load as `undefined`, without a word
  if (!isCircuitSnapshot(snapshot)) {
    throw new TypeError(
      `${PKG}: \`snapshot\` must be a breaker's \`snapshot()\`; received ${format(snapshot)}`,
    );
  }
  const s = settings(options);
  await runScript(
    client,
    s.clock,
    s.timeout,
    SAVE_SCRIPT,
    [key(s.prefix, circuit)],
    [JSON.stringify(snapshot), Math.ceil(s.ttl)],
  );
}

/**
 * The snapshot saved for `circuit`, aged by the time it spent in Redis (an open circuit's
 * remaining open time and a time window's age move on), ready for the `snapshot` option of a new
 * `CircuitBreaker`; `undefined` when there is none or it is not a snapshot. Rejects when Redis
 * fails or takes longer than `timeout`: a cold start then begins with a fresh breaker.
 */
export async function loadCircuitSnapshot(
  client: Redis,
  circuit: string,
  options?: CircuitSnapshotOptions,
): Promise<CircuitSnapshot | undefined> {
  check(PKG, 'circuit', circuit, is.string);
  const s = settings(options);
  const [text, now] = await runScript<[string | null, string]>(
    client,
    s.clock,
    s.timeout,
    LOAD_SCRIPT,
    [key(s.prefix, circuit)],
    [],
  );
  if (typeof text !== 'string') return undefined;
  let saved: { at?: unknown; snapshot?: CircuitSnapshot };
  try {
    saved = JSON.parse(text) as typeof saved;
  } catch {
    return undefined;
  }
  const snapshot = saved?.snapshot;
  // a key anybody can write holds it: a malformed value loads as `undefined`, as documented
  // (handed on, it would make `new CircuitBreaker({ snapshot })` throw at a cold start)
  if (!Number.isFinite(saved?.at) || !isCircuitSnapshot(snapshot)) return undefined;
  return age(snapshot, Math.max(0, Number(now) - (saved.at as number)));
}

const key = (prefix: string, circuit: string) => `${prefix}${circuit}:snapshot`;

/** The snapshot as it would read `elapsed` ms after it was taken. */
function age(snapshot: CircuitSnapshot, elapsed: number): CircuitSnapshot {
  const window =
    snapshot.window?.kind === 'time-window'
      ? { ...snapshot.window, elapsed: snapshot.window.elapsed + elapsed }
      : snapshot.window;
  const openRemaining =
    typeof snapshot.openRemaining === 'number'
      ? Math.max(0, snapshot.openRemaining - elapsed)
      : snapshot.openRemaining;
  return { ...snapshot, openRemaining, window };
}
