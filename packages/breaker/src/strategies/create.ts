import { check, is, type Rules, validate } from '@dyno/core';
import {
  type ConsecutiveFailuresOptions,
  type CountWindowOptions,
  DEFAULT_STRATEGY_OPTIONS,
  type TimeWindowOptions,
  type TripStrategyOptions,
} from '../options.js';
import { ConsecutiveFailures } from './consecutive-failures.js';
import { CountWindow } from './count-window.js';
import type { Strategy } from './strategy.js';
import { TimeWindow } from './time-window.js';

const PKG = '@dyno/breaker';
const KIND = is.oneOf('consecutive-failures', 'count-window', 'time-window');
const COUNT = is.integer(1, 1_000_000);
const RATIO = is.number(0, 1, true);

const RATIO_RULES = {
  threshold: RATIO,
  slowCallDuration: is.duration(0, true),
  slowCallThreshold: RATIO,
};
const CONSECUTIVE_RULES: Rules<ConsecutiveFailuresOptions> = { kind: KIND, failures: COUNT };
const COUNT_RULES: Rules<CountWindowOptions> = {
  kind: KIND,
  size: is.integer(1, 100_000),
  minimumCalls: COUNT,
  ...RATIO_RULES,
};
const TIME_RULES: Rules<TimeWindowOptions> = {
  kind: KIND,
  window: is.duration(0, true),
  buckets: is.integer(1, 1_000),
  minimumCalls: COUNT,
  ...RATIO_RULES,
};

function merged<T extends object>(defaults: T, given: object): T {
  const result = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) if (value !== undefined) result[key] = value;
  return result as T;
}

/** Validates strategy options (`option` names them in messages) and builds the strategy. */
export function createStrategy(options: TripStrategyOptions, option = 'strategy'): Strategy {
  check(PKG, option, options, is.object);
  check(PKG, `${option}.kind`, options.kind, KIND);
  const prefix = `${option}.`;
  switch (options.kind) {
    case 'consecutive-failures': {
      const given = validate(PKG, options, CONSECUTIVE_RULES, prefix);
      const o = merged(DEFAULT_STRATEGY_OPTIONS['consecutive-failures'], given);
      return new ConsecutiveFailures(o.failures);
    }
    case 'count-window': {
      const given = validate(PKG, options, COUNT_RULES, prefix);
      const o = merged(DEFAULT_STRATEGY_OPTIONS['count-window'], given);
      // a minimum that defaults to 100 follows a smaller window down instead of failing
      const minimum = given.minimumCalls ?? Math.min(o.minimumCalls, o.size);
      if (minimum > o.size) {
        throw new RangeError(
          `${PKG}: option \`${prefix}minimumCalls\` must be at most \`${prefix}size\` (${o.size}); received ${minimum}`,
        );
      }
      return new CountWindow(o.size, minimum, o.threshold, o.slowCallDuration, o.slowCallThreshold);
    }
    default: {
      const given = validate(PKG, options, TIME_RULES, prefix);
      const o = merged(DEFAULT_STRATEGY_OPTIONS['time-window'], given);
      return new TimeWindow(
        o.window,
        o.buckets,
        o.minimumCalls,
        o.threshold,
        o.slowCallDuration,
        o.slowCallThreshold,
      );
    }
  }
}
