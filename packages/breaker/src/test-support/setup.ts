// A breaker on a manual clock that opens after two failures in a row, and a log of its states.
import { ManualClock } from '@dyno/core/testing';
import { CircuitBreaker } from '../circuit-breaker.js';
import type { CircuitBreakerOptions } from '../options.js';

export function setup(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker({
    name: 'db',
    clock,
    strategy: { kind: 'consecutive-failures', failures: 2 },
    ...options,
  });
  const log: string[] = [];
  breaker.onStateChange((e) => log.push(`${e.from}->${e.to}`));
  return { clock, breaker, log };
}
