import { type Clock, defaultName, is, type Rules, systemClock, validate } from '@dyno/core';
import { type CircuitBreakerOptions, DEFAULT_CIRCUIT_BREAKER_OPTIONS } from '../options.js';
import type { CircuitSnapshot } from '../snapshot.js';
import { createStrategy } from '../strategies/create.js';
import type { Strategy } from '../strategies/strategy.js';
import { readSnapshot } from './read-snapshot.js';

export const PKG = '@dyno/breaker';

/** The numbers a breaker reads while running; shared by every breaker built with no options. */
export interface Config {
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
  readonly clock: Clock;
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
  const custom =
    o.openDuration !== undefined ||
    o.backoffFactor !== undefined ||
    o.maxOpenDuration !== undefined ||
    o.halfOpenProbes !== undefined ||
    o.halfOpenSuccesses !== undefined ||
    o.halfOpenMaxWait !== undefined ||
    o.isFailure !== undefined;
  const config: Config = custom
    ? {
        openDuration,
        backoffFactor: o.backoffFactor ?? D.backoffFactor,
        maxOpenDuration,
        halfOpenProbes: o.halfOpenProbes ?? D.halfOpenProbes,
        halfOpenSuccesses: o.halfOpenSuccesses ?? D.halfOpenSuccesses,
        halfOpenMaxWait: o.halfOpenMaxWait ?? openDuration,
        isFailure: o.isFailure,
      }
    : DEFAULT_CONFIG;
  return {
    name: o.name ?? defaultName('breaker'),
    clock: o.clock ?? systemClock,
    strategy,
    config,
    snapshot,
  };
}
