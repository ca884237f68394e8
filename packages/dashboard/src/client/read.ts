/**
 * Reading `HystrixCommand` and `HystrixThreadPool` events into plain records, for one host or a
 * Turbine cluster. Turbine aggregates a cluster's streams by summing every number
 * (`reportingHosts` too: each host says 1) and counting the hosts per value of anything else;
 * like Hystrix's dashboard, the page divides back what is not a sum (windows, latencies,
 * percentages).
 */
import { type Extras, readExtras, trueCount } from './extras.js';
import { count, type Json, n } from './format.js';

export interface CircuitState {
  readonly key: string;
  readonly label: string;
}

export interface Command {
  readonly name: string;
  readonly group: string;
  readonly hosts: number;
  readonly state: CircuitState;
  readonly error: number;
  readonly requests: number;
  /** The cluster's rate (one host's for a plain stream), per second. */
  readonly rate: number;
  readonly hostRate: number;
  readonly windowMs: number;
  readonly latencyWindowMs: number;
  readonly inFlight: number;
  readonly counts: Readonly<
    Record<'success' | 'short' | 'rejected' | 'timeout' | 'failure' | 'fallback', number>
  > & { readonly fallbackFailed: number };
  readonly latency: ReadonlyArray<readonly [LatencyKey, number]>;
  readonly extras: Extras;
}

export type LatencyKey = 'mean' | 'p50' | 'p90' | 'p99' | 'p99.5';

export interface PoolData {
  readonly name: string;
  readonly hosts: number;
  readonly active: number;
  readonly queued: number;
  readonly rejected: number;
  readonly size: number;
  readonly maxActive: number;
  readonly executed: number;
  readonly queueLimit: number;
  readonly abandoned: number | null;
  readonly limit: number | null;
  readonly adaptive: readonly [number, number] | null;
}

// A Map, not an object literal: a state named after something every object inherits
// (`"constructor"`) must read as an unknown state, not as `Object`'s source text.
const STATES: ReadonlyMap<string, string> = new Map([
  ['closed', 'Closed'],
  ['open', 'Open'],
  ['half-open', 'Half-open'],
  ['isolated', 'Isolated'],
  ['disabled', 'Disabled'],
]);
const PERCENTILES = [
  ['p50', '50'],
  ['p90', '90'],
  ['p99', '99'],
  ['p99.5', '99.5'],
] as const;
// Hystrix writes Integer.MAX_VALUE for "no limit"
const NO_LIMIT = 2147483647;

function hostsOf(d: Json): number {
  const hosts = Math.round(n(d.reportingHosts));
  return Math.max(hosts, 1);
}

const stateKey = (raw: string): string =>
  raw
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, '-')
    .replace('halfopen', 'half-open');

/**
 * The exact state comes from `dynoCircuitState` when the stream has it; Hystrix itself only
 * says open or not. Hosts of a cluster that disagree make a mixed state, told in words.
 */
function stateOf(d: Json, hosts: number): CircuitState {
  const raw = d.dynoCircuitState;
  if (raw !== null && typeof raw === 'object') {
    const map = raw as Json;
    const keys = Object.keys(map).filter((k) => n(map[k]) > 0);
    if (keys.length === 1) return stateOf({ dynoCircuitState: keys[0] }, 1);
    if (keys.length > 1) {
      keys.sort((a, b) => n(map[b]) - n(map[a]) || a.localeCompare(b));
      const label = keys
        .map((k) => `${STATES.get(stateKey(k)) ?? k.slice(0, 40)} ${count(map[k])}`)
        .join(', ');
      return { key: 'mixed', label };
    }
  }
  if (typeof raw === 'string' && raw !== '') {
    const key = stateKey(raw);
    const label = STATES.get(key);
    return label !== undefined ? { key, label } : { key: 'unknown', label: raw.slice(0, 40) };
  }
  const open = trueCount(d.isCircuitBreakerOpen, hosts);
  if (open === 0) return { key: 'closed', label: 'Closed' };
  if (open === hosts) return { key: 'open', label: 'Open' };
  return { key: 'mixed', label: `Open ${count(open)}, Closed ${count(hosts - open)}` };
}

/**
 * A window in ms, per host, or `fallback` when the stream's is not a positive number: a window
 * of 0 or less would make the rate infinite or negative (and the health circle and sparkline
 * NaN).
 */
function windowOf(v: unknown, hosts: number, fallback: number): number {
  const ms = n(v) / hosts;
  return ms > 0 ? ms : fallback;
}

export function readCommand(d: Json): Command {
  const hosts = hostsOf(d);
  const windowMs = windowOf(
    d.propertyValue_metricsRollingStatisticalWindowInMilliseconds,
    hosts,
    10000,
  );
  const requests = n(d.requestCount);
  // errorCount / requestCount is exact, for a cluster too (errorPercentage is truncated to a
  // whole percent, and a cluster's is the sum of its hosts')
  const error =
    requests > 0 && typeof d.errorCount === 'number'
      ? (100 * n(d.errorCount)) / requests
      : n(d.errorPercentage) / hosts;
  const latency = (
    d.latencyExecute && typeof d.latencyExecute === 'object' ? d.latencyExecute : {}
  ) as Json;
  // n(): a window of a few femtoseconds still overflows to Infinity, which reads as no rate
  const rate = n(requests / (windowMs / 1000));
  return {
    name: String(d.name),
    group: typeof d.group === 'string' ? d.group : '',
    hosts,
    state: stateOf(d, hosts),
    error: Math.max(0, Math.min(100, error)),
    requests,
    rate,
    hostRate: rate / hosts,
    windowMs,
    latencyWindowMs: windowOf(
      d.propertyValue_metricsRollingPercentileWindowInMilliseconds,
      hosts,
      60000,
    ),
    inFlight: n(d.currentConcurrentExecutionCount),
    counts: {
      success: n(d.rollingCountSuccess),
      short: n(d.rollingCountShortCircuited),
      rejected: n(d.rollingCountThreadPoolRejected) + n(d.rollingCountSemaphoreRejected),
      timeout: n(d.rollingCountTimeout),
      failure: n(d.rollingCountFailure),
      fallback: n(d.rollingCountFallbackSuccess),
      fallbackFailed: n(d.rollingCountFallbackFailure),
    },
    // a cluster's latencies are the mean of its hosts' (as Hystrix's dashboard shows them)
    latency: [
      ['mean', n(d.latencyExecute_mean) / hosts] as const,
      ...PERCENTILES.map(([label, key]) => [label, n(latency[key]) / hosts] as const),
    ],
    extras: readExtras(d, hosts),
  };
}

export function readPool(d: Json): PoolData {
  const hosts = hostsOf(d);
  const queueLimit = n(d.propertyValue_queueSizeRejectionThreshold);
  return {
    name: String(d.name),
    hosts,
    active: n(d.currentActiveCount),
    queued: n(d.currentQueueSize),
    rejected: n(d.rollingCountCommandRejections) + n(d.rollingCountThreadsRejected),
    size: n(d.currentPoolSize) || n(d.currentMaximumPoolSize),
    maxActive: n(d.rollingMaxActiveThreads),
    executed: n(d.rollingCountThreadsExecuted),
    // each host's limit (no limit, summed, stays out of range)
    queueLimit: queueLimit >= NO_LIMIT ? Number.POSITIVE_INFINITY : queueLimit / hosts,
    // Dyno extras: null for a stream that does not carry them
    abandoned: typeof d.dynoAbandonedCount === 'number' ? n(d.dynoAbandonedCount) : null,
    limit: typeof d.dynoLimit === 'number' ? n(d.dynoLimit) : null,
    adaptive:
      typeof d.dynoLimitMin === 'number' && typeof d.dynoLimitMax === 'number'
        ? [n(d.dynoLimitMin), n(d.dynoLimitMax)]
        : null,
  };
}
