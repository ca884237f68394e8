// opossum: circuit breaker with a built-in timeout; no retry and no queueing bulkhead of its own
// (its `capacity` rejects instead of queueing), so its composed row borrows p-retry and p-limit.
import CircuitBreaker from 'opossum';
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import { tripUntil } from './shared.mjs';

export const library = 'opossum';
export const packages = ['opossum'];

// The same window as Dyno's default; `timeout: false` so the breaker row measures the breaker.
const WINDOW = {
  errorThresholdPercentage: 50,
  rollingCountTimeout: 10_000,
  rollingCountBuckets: 10,
  volumeThreshold: 20,
  resetTimeout: 60_000,
};

export async function load() {
  return {
    caps: {
      breaker(fn) {
        const breaker = new CircuitBreaker(fn, { ...WINDOW, timeout: false });
        return () => breaker.fire();
      },
      async breakerOpen(failing) {
        const breaker = new CircuitBreaker(failing, { ...WINDOW, timeout: false });
        const call = () => breaker.fire();
        await tripUntil(call, () => breaker.opened);
        return call;
      },
      timeout(fn, ms) {
        const breaker = new CircuitBreaker(fn, { ...WINDOW, timeout: ms });
        return () => breaker.fire();
      },
      composed(fn) {
        const limit = pLimit(10);
        const breaker = new CircuitBreaker(() => limit(fn), { ...WINDOW, timeout: 1000 });
        return () => pRetry(() => breaker.fire(), { retries: 2 });
      },
      async breakerInstance(fn) {
        const breaker = new CircuitBreaker(fn, { ...WINDOW, timeout: false });
        await breaker.fire();
        return breaker;
      },
    },
    notes: {
      timeout: 'a breaker with `timeout` (opossum has no standalone timeout)',
      composed: 'p-retry → opossum (breaker + timeout) → p-limit(10)',
    },
  };
}
