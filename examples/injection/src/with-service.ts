// A dependency built through @dyno/service: connecting to a flaky exchange-rate feed is retried,
// guarded by a circuit breaker and given a deadline, and @dyno/injection falls back to fixed
// rates when the connection still fails. The handler never sees any of it.
import { type Clock, systemClock } from '@dyno/core';
import { inject } from '@dyno/injection';
import { ConstantBackoff } from '@dyno/retry';
import { service } from '@dyno/service';

/** A connected exchange-rate feed. */
export interface Rates {
  readonly source: string;
  rate(currency: string): number;
}

const FIXED_RATES: Rates = { source: 'fixed', rate: (c) => (c === 'EUR' ? 1.1 : 1) };

/**
 * Builds a price converter whose `rates` dependency is connected through a service.
 * `connect` makes one attempt at the feed (it may throw); Dyno retries it twice with a 50 ms
 * backoff and a 200 ms deadline per attempt.
 */
export function createConverter(
  connect: (signal: AbortSignal) => Promise<Rates>,
  clock: Clock = systemClock,
) {
  const rates = service(({ signal }) => connect(signal), {
    name: 'rates.connect',
    retry: { attempts: 3, backoff: new ConstantBackoff({ delay: 50 }) },
    breaker: { strategy: { kind: 'consecutive-failures', failures: 5 } },
    pool: false,
    timeout: 200,
    metrics: false,
    clock,
  });
  const convert = inject(
    // the build's signal reaches the service: a caller's abort stops the connect and its retries
    { rates: { make: ({ signal }) => rates.withSignal(signal)(), fallback: FIXED_RATES } },
    ({ rates }, amount: number, currency: string) =>
      `${amount} ${currency} = ${(amount * rates.rate(currency)).toFixed(2)} USD (${rates.source})`,
    { clock, name: 'convert' },
  );
  return { convert, rates };
}
