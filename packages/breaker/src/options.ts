import type { Clock } from '@dyno/core';
import { MAX_DURATION } from '@dyno/core';
import type { CircuitSnapshot } from './snapshot.js';

/** Opens after `failures` failures in a row; any success starts the count again. */
export interface ConsecutiveFailuresOptions {
  readonly kind: 'consecutive-failures';
  /**
   * Failures in a row that open the circuit.
   * @default 5
   */
  readonly failures?: number;
}

/** What both window strategies share: a failure ratio and an optional slow-call ratio. */
interface RatioOptions {
  /**
   * The failure ratio that opens the circuit, compared with `>=` (exactly at the threshold opens).
   * @default 0.5
   */
  readonly threshold?: number;
  /**
   * A call that takes at least this many ms is slow. Leave it out to ignore speed.
   * @default undefined (no slow-call rule)
   */
  readonly slowCallDuration?: number;
  /**
   * The slow-call ratio that opens the circuit (`>=`), counting slow successes and slow failures.
   * Used only with `slowCallDuration`.
   * @default 1
   */
  readonly slowCallThreshold?: number;
}

/** Opens on the failure ratio of the last `size` calls, once `minimumCalls` are in the window. */
export interface CountWindowOptions extends RatioOptions {
  readonly kind: 'count-window';
  /**
   * How many of the most recent calls the window keeps.
   * @default 100
   */
  readonly size?: number;
  /**
   * Calls the window must hold before it judges (at most `size`).
   * @default 100
   */
  readonly minimumCalls?: number;
}

/**
 * Opens on the failure ratio over a rolling time window split into buckets (Hystrix), once
 * `minimumCalls` calls are in the window.
 */
export interface TimeWindowOptions extends RatioOptions {
  readonly kind: 'time-window';
  /**
   * The length of the rolling window in ms.
   * @default 10_000
   */
  readonly window?: number;
  /**
   * How many buckets the window rolls by.
   * @default 10
   */
  readonly buckets?: number;
  /**
   * Calls the window must hold before it judges.
   * @default 20
   */
  readonly minimumCalls?: number;
}

/** How a `CircuitBreaker` decides to open; a plain object so it can live in configuration. */
export type TripStrategyOptions =
  | ConsecutiveFailuresOptions
  | CountWindowOptions
  | TimeWindowOptions;

/**
 * Half-open judged by a failure ratio over several probes (resilience4j's way) instead of "the
 * first failed probe re-opens".
 */
export interface HalfOpenRatioOptions {
  /**
   * How many counted probe outcomes are judged together. Probes that run at once stay limited by
   * `halfOpenProbes`, and never exceed the outcomes still needed.
   * @default 10
   */
  readonly calls?: number;
  /**
   * The failure ratio of those `calls` that re-opens the circuit, compared with `>=`; under it
   * the circuit closes. Greater than 0, at most 1.
   * @default 0.5
   */
  readonly threshold?: number;
}

/** The defaults of `halfOpenRatio`. */
export const DEFAULT_HALF_OPEN_RATIO: Readonly<{
  calls: number;
  threshold: number;
}> = Object.freeze({ calls: 10, threshold: 0.5 });

/** Options of `CircuitBreaker`. Every field is optional. */
export interface CircuitBreakerOptions {
  /**
   * The instance name used in events, errors and metrics.
   * @default 'breaker#n'
   */
  readonly name?: string;
  /**
   * The monotonic clock; nothing is scheduled on it, it is only read.
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * When to open.
   * @default { kind: 'time-window', window: 10_000, buckets: 10, minimumCalls: 20, threshold: 0.5 }
   */
  readonly strategy?: TripStrategyOptions;
  /**
   * How long the circuit stays open before it lets probes through, in ms.
   * @default 5_000
   */
  readonly openDuration?: number;
  /**
   * Each failed probe in a row multiplies the open duration by this factor (1 = no backoff).
   * @default 1
   */
  readonly backoffFactor?: number;
  /**
   * The longest open duration the backoff reaches, in ms (at least `openDuration`).
   * @default 2^31-1 (no cap but the longest duration)
   */
  readonly maxOpenDuration?: number;
  /**
   * Probes admitted at the same time while half-open; other calls are rejected at once.
   * @default 1
   */
  readonly halfOpenProbes?: number;
  /**
   * Successful probes that close the circuit.
   * @default 1
   */
  readonly halfOpenSuccesses?: number;
  /**
   * How long a probe may run before its permit is forfeited and the circuit re-opens, in ms.
   * @default the `openDuration`
   */
  readonly halfOpenMaxWait?: number;
  /**
   * Judge half-open probes by a failure ratio: the first `calls` counted probe outcomes decide
   * together (failures / calls >= `threshold` re-opens, else the circuit closes), as soon as the
   * outcomes still to come can no longer change the verdict. Excludes `halfOpenSuccesses`.
   * @default undefined (the first failed probe re-opens; `halfOpenSuccesses` successes close)
   */
  readonly halfOpenRatio?: HalfOpenRatioOptions;
  /**
   * Classifies an outcome. For an error, `false` means "not a failure": the call counts as
   * neither success nor failure. For a result, `true` makes it count as a failure (the result is
   * still returned).
   * @default errors are failures, results are successes
   */
  readonly isFailure?: (value: unknown, kind: 'error' | 'result') => boolean;
  /**
   * Let a result that tripped the circuit (a result `isFailure` judged a failure, or a success
   * on which the window crossed its threshold) become the `onBreak` reason, the `onFailure`
   * `error` and `BrokenCircuitError.reason`/`cause`. Off, those carry a description string
   * instead, so results (personal data) do not reach logs through errors. Errors are always
   * carried as themselves.
   * @default false
   */
  readonly exposeResults?: boolean;
  /**
   * Start from a state saved with `snapshot()` (restarts, serverless cold starts).
   * @default undefined (start closed and empty)
   */
  readonly snapshot?: CircuitSnapshot;
}

/** The defaults of the trip strategies, per kind. */
export const DEFAULT_STRATEGY_OPTIONS: Readonly<{
  'consecutive-failures': Readonly<{
    kind: 'consecutive-failures';
    failures: number;
  }>;
  'count-window': Readonly<{
    kind: 'count-window';
    size: number;
    minimumCalls: number;
    threshold: number;
    slowCallDuration: number | undefined;
    slowCallThreshold: number;
  }>;
  'time-window': Readonly<{
    kind: 'time-window';
    window: number;
    buckets: number;
    minimumCalls: number;
    threshold: number;
    slowCallDuration: number | undefined;
    slowCallThreshold: number;
  }>;
}> = Object.freeze({
  'consecutive-failures': Object.freeze({ kind: 'consecutive-failures' as const, failures: 5 }),
  'count-window': Object.freeze({
    kind: 'count-window' as const,
    size: 100,
    minimumCalls: 100,
    threshold: 0.5,
    slowCallDuration: undefined as number | undefined,
    slowCallThreshold: 1,
  }),
  'time-window': Object.freeze({
    kind: 'time-window' as const,
    window: 10_000,
    buckets: 10,
    minimumCalls: 20,
    threshold: 0.5,
    slowCallDuration: undefined as number | undefined,
    slowCallThreshold: 1,
  }),
});

/** The defaults of `CircuitBreaker` (Hystrix's: a 10 s window, 20 calls, 50 %, open 5 s). */
export const DEFAULT_CIRCUIT_BREAKER_OPTIONS: Readonly<{
  name: string | undefined;
  clock: Clock | undefined;
  strategy: TripStrategyOptions;
  openDuration: number;
  backoffFactor: number;
  maxOpenDuration: number;
  halfOpenProbes: number;
  halfOpenSuccesses: number;
  halfOpenMaxWait: number | undefined;
  halfOpenRatio: HalfOpenRatioOptions | undefined;
  isFailure: CircuitBreakerOptions['isFailure'];
  exposeResults: boolean;
  snapshot: CircuitSnapshot | undefined;
}> = Object.freeze({
  name: undefined as string | undefined,
  clock: undefined as Clock | undefined,
  strategy: DEFAULT_STRATEGY_OPTIONS['time-window'] as TripStrategyOptions,
  openDuration: 5_000,
  backoffFactor: 1,
  maxOpenDuration: MAX_DURATION,
  halfOpenProbes: 1,
  halfOpenSuccesses: 1,
  halfOpenMaxWait: undefined as number | undefined,
  halfOpenRatio: undefined as HalfOpenRatioOptions | undefined,
  isFailure: undefined as CircuitBreakerOptions['isFailure'],
  exposeResults: false,
  snapshot: undefined as CircuitSnapshot | undefined,
});

/** Options of `Fuse`. */
export interface FuseOptions {
  /**
   * The instance name used in events and errors.
   * @default 'fuse#n'
   */
  readonly name?: string;
  /**
   * The monotonic clock that `until` is read against; only read, never scheduled on.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** The defaults of `Fuse`. */
export const DEFAULT_FUSE_OPTIONS: Readonly<{
  name: string | undefined;
  clock: Clock | undefined;
}> = Object.freeze({
  name: undefined as string | undefined,
  clock: undefined as Clock | undefined,
});
