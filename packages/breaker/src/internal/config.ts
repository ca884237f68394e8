import { type Clock, defaultName, is, type Rules, systemClock, validate } from '@dyno/core';
import { type CircuitBreakerOptions, DEFAULT_CIRCUIT_BREAKER_OPTIONS } from '../options.js';
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
  readonly isFailure: ((value: unknown, kind: 'error' | 'result') => boolean) | undefined;
}

/** Everything a constructor needs, validated before anything is built. */
export interface Resolved {
  readonly name: string;
  readonly strategy: Strategy;
  readonly config: Config;
  readonly snapshot: CircuitSnapshot | undefined;
}

const RULES: Rules<CircuitBreakerOptions> = {
  name: is.string,
  clock: is.clock,
  strategy: is.object,
  openDuration: is.duration(0, true),
  backoffFactor: is.number(1, 1_000),
  maxOpenDuration: is.duration(0, true),
  halfOpenProbes: is.integer(1, 1_000_000),
  halfOpenSuccesses: is.integer(1, 1_000_000),
  halfOpenMaxWait: is.duration(0, true),
  isFailure: is.function,
  snapshot: is.object,
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
  isFailure: undefined,
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
  const config = shared({
    clock: o.clock ?? systemClock,
    openDuration,
    backoffFactor: o.backoffFactor ?? D.backoffFactor,
    maxOpenDuration,
    halfOpenProbes: o.halfOpenProbes ?? D.halfOpenProbes,
    halfOpenSuccesses: o.halfOpenSuccesses ?? D.halfOpenSuccesses,
    halfOpenMaxWait: o.halfOpenMaxWait ?? openDuration,
    isFailure: o.isFailure,
  });
  return {
    name: o.name ?? defaultName('breaker'),
    strategy,
    config,
    snapshot,
  };
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
