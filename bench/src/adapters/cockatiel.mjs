// cockatiel: retry, circuit breaker (SamplingBreaker = its time window), bulkhead, timeout, wrap.
import {
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  SamplingBreaker,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { tripUntil } from './shared.mjs';

export const library = 'cockatiel';
export const packages = ['cockatiel'];

// The same window as Dyno's default: 10 s, at least 20 calls (2 per second), opens at 50 %.
const samplingBreaker = () =>
  circuitBreaker(handleAll, {
    halfOpenAfter: 60_000,
    breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 2 }),
  });

export async function load() {
  return {
    caps: {
      retry(fn) {
        // maxAttempts counts retries in cockatiel: 2 retries = 3 attempts in all.
        const policy = retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() });
        return () => policy.execute(fn);
      },
      breaker(fn) {
        const policy = samplingBreaker();
        return () => policy.execute(fn);
      },
      async breakerOpen(failing) {
        const policy = circuitBreaker(handleAll, {
          halfOpenAfter: 60_000,
          breaker: new ConsecutiveBreaker(5),
        });
        const call = () => policy.execute(failing);
        await tripUntil(call, () => policy.state === CircuitState.Open);
        return call;
      },
      bulkhead(fn, limit, queue) {
        const policy = bulkhead(limit, queue);
        return () => policy.execute(fn);
      },
      timeout(fn, ms) {
        const policy = timeout(ms, TimeoutStrategy.Cooperative);
        return () => policy.execute(fn);
      },
      composed(fn) {
        const policy = wrap(
          retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
          samplingBreaker(),
          bulkhead(10, 100),
          timeout(1000, TimeoutStrategy.Cooperative),
        );
        return () => policy.execute(fn);
      },
      async breakerInstance(fn) {
        const policy = samplingBreaker();
        await policy.execute(fn);
        return policy;
      },
    },
    notes: {
      breakerOpen: 'ConsecutiveBreaker(5), tripped by failures',
      composed: 'wrap(retry, breaker, bulkhead, timeout)',
      timeout: 'TimeoutStrategy.Cooperative',
    },
  };
}
