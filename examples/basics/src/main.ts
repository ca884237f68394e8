// A small program that uses @dyno/core and @dyno/stats as a user would: it times a batch of
// simulated calls with an abortable sleep, then prints their latency percentiles.
import { type Clock, DynoError, sleep, systemClock } from '@dyno/core';
import { Histogram, percentile } from '@dyno/stats';

export interface BasicsReport {
  readonly calls: number;
  readonly aborted: number;
  readonly p50: number;
  readonly p99: number;
  readonly exactP99: number;
}

/** Runs `calls` simulated calls of pseudo-random latency and reports their percentiles. */
export async function runBasics(
  calls = 200,
  maxLatencyMs = 5,
  clock: Clock = systemClock,
): Promise<BasicsReport> {
  const histogram = new Histogram();
  const latencies: number[] = [];
  let aborted = 0;
  let seed = 7;
  const next = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < calls; i++) {
    const ms = Math.round(next() * maxLatencyMs * 10) / 10;
    const started = clock.now();
    // every tenth call is cancelled before it starts: the sleep rejects at once
    const signal =
      i % 10 === 9 ? AbortSignal.abort(new DynoError('DYNO_CANCELLED', 'skipped')) : undefined;
    try {
      await sleep(ms, { signal, clock });
    } catch (error) {
      if (DynoError.isInstance(error)) aborted++;
      continue;
    }
    const took = clock.now() - started;
    histogram.record(took);
    latencies.push(took);
  }
  return {
    calls,
    aborted,
    p50: histogram.percentile(50),
    p99: histogram.percentile(99),
    exactP99: percentile(99, latencies),
  };
}

if (process.argv[1]?.endsWith('main.js')) {
  runBasics().then((r) => {
    console.log(`${r.calls} calls, ${r.aborted} cancelled`);
    console.log(
      `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (exact p99 ${r.exactP99.toFixed(2)} ms)`,
    );
  });
}
