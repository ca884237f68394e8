import type { Clock } from '@dyno/core';

/**
 * The faults, in the order their shares are laid out on the one random draw made per call:
 * `error` rejects, `throwable` rejects with a non-`Error`, `syncThrow` throws before returning,
 * `latency` delays the call, `hang` never settles until the call's signal aborts, `thenable`
 * returns a misbehaving thenable, `result` returns a wrong value, `abort` aborts the call's
 * signal as its caller would.
 */
export type FaultKind =
  | 'error'
  | 'throwable'
  | 'syncThrow'
  | 'latency'
  | 'hang'
  | 'thenable'
  | 'result'
  | 'abort';

/** Every fault kind, in draw order. */
export const FAULT_KINDS: readonly FaultKind[] = Object.freeze([
  'error',
  'throwable',
  'syncThrow',
  'latency',
  'hang',
  'thenable',
  'result',
  'abort',
]);

/** What every fault has: its share of calls and its own on/off switch. */
export interface FaultOptions {
  /**
   * The share of calls that get this fault, from 0 to 1. All rates together must sum to at
   * most 1: one draw per call picks at most one fault, so each rate is that fault's exact share.
   * @default 0
   */
  readonly rate?: number;
  /**
   * Turns the fault off without giving its share to the others (its calls then run normally).
   * @default true
   */
  readonly enabled?: boolean;
}

/** Options of the `error` and `syncThrow` faults. */
export interface ErrorFaultOptions extends FaultOptions {
  /**
   * Makes what is thrown or rejected with.
   * @default () => new ChaosError(...)
   */
  readonly error?: () => unknown;
}

/** Options of the `throwable` fault. */
export interface ThrowableFaultOptions extends FaultOptions {
  /**
   * The non-`Error` values rejected with, in turn across the fault's share.
   * @default [undefined, null, 'chaos', 0, { chaos: true }]
   */
  readonly values?: readonly unknown[];
}

/** Options of the `latency` fault. */
export interface LatencyFaultOptions extends FaultOptions {
  /**
   * The delay before the call runs, in ms: a number, or `[min, max]` spread evenly.
   * @default 1000
   */
  readonly ms?: number | readonly [number, number];
}

/** Ways a thenable can misbehave. */
export type OddThenable = 'both' | 'twice' | 'throwAfter';

/** Options of the `thenable` fault. */
export interface ThenableFaultOptions extends FaultOptions {
  /**
   * The misbehaviours used, in turn across the fault's share: `both` calls the fulfilment and
   * the rejection callback, `twice` calls its callback twice, `throwAfter` throws after settling.
   * @default ['both', 'twice', 'throwAfter']
   */
  readonly kinds?: readonly OddThenable[];
}

/** Options of the `result` fault. */
export interface ResultFaultOptions extends FaultOptions {
  /**
   * Turns the real result into the wrong one.
   * @default () => undefined
   */
  readonly value?: (actual: unknown) => unknown;
}

/** Options of the `abort` fault. */
export interface AbortFaultOptions extends FaultOptions {
  /**
   * When the call's signal is aborted, in ms after the call starts; 0 aborts before `fn` runs.
   * @default 0
   */
  readonly after?: number;
  /**
   * Makes the abort reason.
   * @default () => new DOMException('...', 'AbortError')
   */
  readonly reason?: () => unknown;
}

/** Options of `new Chaos()`. */
export interface ChaosOptions {
  /**
   * The name that appears in events and errors.
   * @default 'chaos#n'
   */
  readonly name?: string;
  /**
   * The switch for every fault at once.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The source of the one draw per call: pass `seededRandom(seed)` for a repeatable run.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * The clock of latency and delayed aborts.
   * @default systemClock
   */
  readonly clock?: Clock;
  /** Rejections with an `Error`. @default { rate: 0 } */
  readonly error?: ErrorFaultOptions;
  /** Rejections with non-`Error` values. @default { rate: 0 } */
  readonly throwable?: ThrowableFaultOptions;
  /** Synchronous throws (from `wrap`; `execute` turns them into rejections). @default { rate: 0 } */
  readonly syncThrow?: ErrorFaultOptions;
  /** Delays before the call runs (honouring the signal). @default { rate: 0 } */
  readonly latency?: LatencyFaultOptions;
  /** Calls that settle only when their signal aborts. @default { rate: 0 } */
  readonly hang?: FaultOptions;
  /** Misbehaving thenables. @default { rate: 0 } */
  readonly thenable?: ThenableFaultOptions;
  /** Wrong results. @default { rate: 0 } */
  readonly result?: ResultFaultOptions;
  /** Aborted calls. @default { rate: 0 } */
  readonly abort?: AbortFaultOptions;
}

/** The defaults of `Chaos` (every fault off: rate 0). */
export const DEFAULT_CHAOS_OPTIONS: Readonly<{
  enabled: boolean;
  random: () => number;
  rate: number;
  throwableValues: readonly unknown[];
  latencyMs: number;
  thenableKinds: readonly ['both', 'twice', 'throwAfter'];
  abortAfter: number;
}> = Object.freeze({
  enabled: true,
  random: Math.random,
  rate: 0,
  throwableValues: Object.freeze([undefined, null, 'chaos', 0, Object.freeze({ chaos: true })]),
  latencyMs: 1000,
  thenableKinds: Object.freeze(['both', 'twice', 'throwAfter'] as const),
  abortAfter: 0,
});
