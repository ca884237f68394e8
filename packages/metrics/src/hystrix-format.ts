import { addSourceFields } from './internal/hystrix-extras.js';
import type { MetricsSnapshot } from './snapshot.js';

/**
 * The `propertyValue_*` fields of a `HystrixCommand` object, which describe configuration
 * rather than measurements. Dyno cannot know the settings of whatever breaker is in use, so the
 * Hystrix defaults stand in unless the stream's `properties` option says otherwise.
 */
export const HYSTRIX_DEFAULT_PROPERTIES: Readonly<Record<string, number | string | boolean>> =
  Object.freeze({
    circuitBreakerRequestVolumeThreshold: 20,
    circuitBreakerSleepWindowInMilliseconds: 5000,
    circuitBreakerErrorThresholdPercentage: 50,
    circuitBreakerForceOpen: false,
    circuitBreakerForceClosed: false,
    circuitBreakerEnabled: true,
    executionIsolationStrategy: 'SEMAPHORE',
    executionIsolationThreadTimeoutInMilliseconds: 1000,
    executionTimeoutInMilliseconds: 1000,
    executionIsolationThreadInterruptOnTimeout: true,
    executionIsolationThreadPoolKeyOverride: '',
    executionIsolationSemaphoreMaxConcurrentRequests: 10,
    fallbackIsolationSemaphoreMaxConcurrentRequests: 10,
    requestCacheEnabled: false,
    requestLogEnabled: false,
  });

// Hystrix writes Integer.MAX_VALUE where Dyno says "no limit" (Infinity is not JSON).
const cap = (v: number): number => (Number.isFinite(v) ? v : 2_147_483_647);
const int = (v: number | null): number => (v === null || !Number.isFinite(v) ? 0 : Math.round(v));

function latency(s: MetricsSnapshot): Record<string, number> {
  const p = s.latency.percentiles;
  return {
    '0': int(p['0']),
    '25': int(p['25']),
    '50': int(p['50']),
    '75': int(p['75']),
    '90': int(p['90']),
    '95': int(p['95']),
    '99': int(p['99']),
    '99.5': int(p['99.5']),
    '100': int(p['100']),
  };
}

/**
 * A snapshot as the `HystrixCommand` object the Hystrix dashboard and Turbine read (the field
 * set of Hystrix's `SerialHystrixDashboardData`). Every number is an integer, as Hystrix writes
 * them and Turbine sums them. Rejections by a bulkhead count as `rollingCountSemaphoreRejected`
 * unless `properties.executionIsolationStrategy` is `'THREAD'`. `currentTime` is wall-clock ms since the epoch. Dyno measures one
 * latency per call, so `latencyExecute` and `latencyTotal` are the same.
 */
export function toHystrixCommand(
  s: MetricsSnapshot,
  currentTime: number,
  properties: Readonly<Record<string, number | string | boolean>> = HYSTRIX_DEFAULT_PROPERTIES,
): Record<string, unknown> {
  const c = s.counts;
  const thread = properties.executionIsolationStrategy === 'THREAD';
  const command: Record<string, unknown> = {
    type: 'HystrixCommand',
    name: s.name,
    group: s.group,
    currentTime: Math.round(currentTime),
    isCircuitBreakerOpen: s.circuit?.open ?? false,
    // Hystrix has only open/closed; Dyno's dashboard also shows half-open, isolated, disabled
    ...(s.circuit && { dynoCircuitState: s.circuit.state }),
    errorPercentage: Math.trunc(s.errorPercentage),
    errorCount: s.errors,
    requestCount: s.requests,
    rollingCountBadRequests: 0,
    rollingCountCollapsedRequests: 0,
    rollingCountEmit: 0,
    rollingCountExceptionsThrown: 0,
    rollingCountFailure: c.failure,
    rollingCountFallbackEmit: 0,
    rollingCountFallbackFailure: c.fallbackFailure,
    rollingCountFallbackMissing: 0,
    rollingCountFallbackRejection: 0,
    rollingCountFallbackSuccess: c.fallbackSuccess,
    // a hit of an observed cache is Hystrix's response from cache
    rollingCountResponsesFromCache: s.cache?.hits ?? 0,
    // the isolation strategy the properties name says which counter the dashboard reads
    rollingCountSemaphoreRejected: thread ? 0 : c.rejected,
    rollingCountShortCircuited: c.shortCircuited,
    rollingCountSuccess: c.success,
    rollingCountThreadPoolRejected: thread ? c.rejected : 0,
    rollingCountTimeout: c.timeout,
    currentConcurrentExecutionCount: s.inFlight,
    rollingMaxConcurrentExecutionCount: s.maxInFlight,
    latencyExecute_mean: int(s.latency.mean),
    latencyExecute: latency(s),
    latencyTotal_mean: int(s.latency.mean),
    latencyTotal: latency(s),
  };
  for (const [key, value] of Object.entries(properties)) command[`propertyValue_${key}`] = value;
  command.propertyValue_metricsRollingStatisticalWindowInMilliseconds = s.window;
  command.propertyValue_metricsRollingPercentileWindowInMilliseconds = s.latencyWindow;
  // Hystrix's nearest words for a circuit held open by hand and for count-only mode
  if (s.circuit?.state === 'isolated') command.propertyValue_circuitBreakerForceOpen = true;
  if (s.circuit?.state === 'disabled') command.propertyValue_circuitBreakerForceClosed = true;
  if (s.cache !== null) {
    // not Hystrix fields (readers ignore unknown ones): the rest of what the cache did
    const k = s.cache;
    command.dynoCacheMisses = k.misses;
    command.dynoCacheStale = k.stale;
    command.dynoCacheRefreshes = k.refreshes;
    command.dynoCacheLoads = k.loads.success + k.loads.failure + k.loads.timeout;
    command.dynoCacheLoadFailures = k.loads.failure + k.loads.timeout;
    command.dynoCacheStoreErrors = k.storeErrors;
    command.dynoCacheBusDrops = k.busDrops;
    command.dynoCacheBusErrors = k.busErrors;
    command.dynoCacheStoreCircuitOpened = k.storeCircuitOpened;
    command.dynoCacheTierReadErrors = k.tierReadErrors;
  }
  addSourceFields(command, s);
  command.reportingHosts = 1;
  command.threadPool = s.pool?.name ?? s.name;
  return command;
}

/**
 * The observed pool of a snapshot as a `HystrixThreadPool` object, or `undefined` when no pool
 * is observed. A Dyno pool is a bulkhead, not threads: `concurrency` stands for every pool size
 * field and `currentCompletedTaskCount` is 0.
 */
export function toHystrixThreadPool(
  s: MetricsSnapshot,
  currentTime: number,
): Record<string, unknown> | undefined {
  const p = s.pool;
  if (p === null) return undefined;
  return {
    type: 'HystrixThreadPool',
    name: p.name,
    currentTime: Math.round(currentTime),
    currentActiveCount: p.active,
    currentCompletedTaskCount: 0,
    currentCorePoolSize: cap(p.concurrency),
    currentLargestPoolSize: p.maxActive,
    currentMaximumPoolSize: cap(p.concurrency),
    currentPoolSize: cap(p.concurrency),
    currentQueueSize: p.queued,
    currentTaskCount: p.active + p.queued,
    rollingCountThreadsExecuted: p.executed,
    rollingMaxActiveThreads: p.maxActive,
    rollingCountCommandRejections: p.rejected,
    // not a Hystrix field (readers ignore unknown ones): tasks still running after their slot
    // was given back, which a thread pool cannot have
    dynoAbandonedCount: p.abandoned,
    // the concurrency limit now (the pool size fields say the same) and, when it adapts, its
    // bounds: also not Hystrix fields
    dynoLimit: cap(p.limit),
    ...(p.adaptive && { dynoLimitMin: p.adaptive.min, dynoLimitMax: p.adaptive.max }),
    propertyValue_queueSizeRejectionThreshold: cap(p.queue),
    propertyValue_metricsRollingStatisticalWindowInMilliseconds: s.window,
    reportingHosts: 1,
  };
}
