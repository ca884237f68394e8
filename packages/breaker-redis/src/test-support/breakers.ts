import { CircuitBreaker } from '@dyno/breaker';
import type { ManualClock } from '@dyno/core/testing';

/** A member's breaker in these tests: it opens at its first failure and stays open a minute. */
export function tripsAtOnce(name: string, clock?: ManualClock): CircuitBreaker {
  return new CircuitBreaker({
    name,
    ...(clock ? { clock } : {}),
    strategy: { kind: 'consecutive-failures', failures: 1 },
    openDuration: 60_000,
  });
}

/** One failed call through `breaker`: with `tripsAtOnce`, it opens. */
export const fail = (breaker: CircuitBreaker): Promise<unknown> =>
  breaker.execute(() => Promise.reject(new Error('dependency down'))).catch(() => {});
