import {
  type Clock,
  defaultName,
  is,
  type Rules,
  steadyClock,
  systemClock,
  validate,
} from '@dyno/core';
import {
  type CircuitBreakerOptions,
  DEFAULT_CIRCUIT_BREAKER_OPTIONS,
  DEFAULT_HALF_OPEN_RATIO,
  type HalfOpenRatioOptions,
} from '../options.js';
import type { CircuitSnapshot } from '../snapshot.js';
import { createStrategy } from '../strategies/create.js';
import type { Strategy } from '../strategies/strategy.js';
import { readSnapshot } from './read-snapshot.js';

export const PKG = '@dyno/breaker';

/**
 * What a breaker reads while running, apart from its name and window. Shared by every breaker
 * built with the same values, so a breaker carries one field for all of them.
 */
export interface Config {
  readonly clock: Clock;
  readonly openDuration: number;
  readonly backoffFactor: number;
  readonly maxOpenDuration: number;
  readonly halfOpenProbes: number;
  readonly halfOpenSuccesses: number;
  readonly halfOpenMaxWait: number;
  /** `halfOpenRatio.calls`, or 0 when half-open is judged by "any failure re-opens". */
  readonly halfOpenCalls: number;
  readonly halfOpenThreshold: number;
  readonly isFailure: ((value: unknown, kind: 'error' | 'result') => boolean) | undefined;
  readonly exposeResults: boolean;
}

/** Everything a constructor needs, validated before anything is built. */
export interface Resolved {
  readonly name: string;
  readonly strategy: Strategy;
  readonly config: Config;
  readonly snapshot: CircuitSnapshot | undefined;
}

const COUNT = is.integer(1, 1_000_000);
const RULES: Rules<CircuitBreakerOptions> = {
  name: is.string,
  clock: is.clock,
  strategy: is.object,
  openDuration: is.duration(0, true),
  backoffFactor: is.number(1, 1_000),
  maxOpenDuration: is.duration(0, true),
  halfOpenProbes: COUNT,
  halfOpenSuccesses: COUNT,
  halfOpenMaxWait: is.duration(0, true),
  halfOpenRatio: is.object,
  isFailure: is.function,
  exposeResults: is.boolean,
  snapshot: is.object,
};
const RATIO_RULES: Rules<HalfOpenRatioOptions> = {
  calls: COUNT,
  threshold: is.number(0, 1, true),
};

const D = DEFAULT_CIRCUIT_BREAKER_OPTIONS;
const DEFAULT_CONFIG: Config = Object.freeze({
  clock: systemClock,
  openDuration: D.openDuration,
  backoffFactor: D.backoffFactor,
  maxOpenDuration: D.maxOpenDuration,
  halfOpenProbes: D.halfOpenProbes,
  halfOpenSuccesses: D.halfOpenSuccesses,
  halfOpenMaxWait: D.openDuration,
  halfOpenCalls: 0,
  halfOpenThreshold: DEFAULT_HALF_OPEN_RATIO.threshold,
  isFailure: undefined,
  exposeResults: D.exposeResults,
});

/** Validates `CircuitBreaker` options; throws before anything is built. */
export function resolveBreaker(options: CircuitBreakerOptions | undefined): Resolved {
  const o = validate(PKG, options, RULES);
  const strategy = createStrategy(o.strategy ?? D.strategy);
  const snapshot = o.snapshot === undefined ? undefined : readSnapshot(o.snapshot);
  const openDuration = o.openDuration ?? D.openDuration;
  const maxOpenDuration = o.maxOpenDuration ?? D.maxOpenDuration;
  if (maxOpenDuration < openDuration) {
    throw new RangeError(
      `${PKG}: option \`maxOpenDuration\` must be at least \`openDuration\` (${openDuration}); received ${maxOpenDuration}`,
    );
  }
  const ratio = resolveRatio(o);
  const config = shared({
    clock: o.clock === undefined ? systemClock : steady(o.clock),
    openDuration,
    backoffFactor: o.backoffFactor ?? D.backoffFactor,
    maxOpenDuration,
    halfOpenProbes: o.halfOpenProbes ?? D.halfOpenProbes,
    halfOpenSuccesses: o.halfOpenSuccesses ?? D.halfOpenSuccesses,
    halfOpenMaxWait: o.halfOpenMaxWait ?? openDuration,
    halfOpenCalls: ratio === undefined ? 0 : ratio.calls,
    halfOpenThreshold: ratio === undefined ? DEFAULT_HALF_OPEN_RATIO.threshold : ratio.threshold,
    isFailure: o.isFailure,
    exposeResults: o.exposeResults ?? D.exposeResults,
  });
  return {
    name: o.name ?? defaultName('breaker'),
    strategy,
    config,
    snapshot,
  };
}

/** `halfOpenRatio` with its defaults, or `undefined` when half-open keeps the default judging. */
function resolveRatio(
  o: Partial<CircuitBreakerOptions>,
): Required<HalfOpenRatioOptions> | undefined {
  if (o.halfOpenRatio === undefined) return undefined;
  if (o.halfOpenSuccesses !== undefined) {
    throw new TypeError(
      `${PKG}: options \`halfOpenRatio\` and \`halfOpenSuccesses\` exclude each other (a ratio closes the circuit by itself); received both`,
    );
  }
  const given = validate(PKG, o.halfOpenRatio, RATIO_RULES, 'halfOpenRatio.');
  return {
    calls: given.calls ?? DEFAULT_HALF_OPEN_RATIO.calls,
    threshold: given.threshold ?? DEFAULT_HALF_OPEN_RATIO.threshold,
  };
}

// One steady clock per user clock, so breakers built on the same clock still share a config.
const steadyClocks = new WeakMap<Clock, Clock>();

/**
 * The clock a breaker reads: a reading that throws or is not a finite number, or a step back,
 * counts as no time passed (see core's `steadyClock`). Read as it is, a `NaN` at the trip kept
 * the circuit open for good, a step back of a day kept it open a day, and a throw escaped
 * `execute` and the `state` getter.
 */
function steady(clock: Clock): Clock {
  let found = steadyClocks.get(clock);
  if (found === undefined) {
    found = steadyClock(clock, PKG);
    // a steady clock is kept as it is: nothing to remember (a service's, per service)
    if (found !== clock) steadyClocks.set(clock, found);
  }
  return found;
}

const same = (a: Config, b: Config): boolean =>
  (Object.keys(a) as (keyof Config)[]).every((key) => a[key] === b[key]);

let last = DEFAULT_CONFIG;

// Breakers are often built in batches with the same options (one per host or endpoint): a
// config equal to the defaults or to the last one built is shared instead of copied.
function shared(config: Config): Config {
  if (same(config, DEFAULT_CONFIG)) return DEFAULT_CONFIG;
  if (!same(config, last)) last = Object.freeze(config);
  return last;
}
