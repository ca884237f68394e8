import { getEventListeners } from 'node:events';
import { BrokenCircuitError, type CircuitState } from '@dyno/breaker';
import { Cache } from '@dyno/cache';
import { Chaos } from '@dyno/chaos';
import type { Clock } from '@dyno/core';
import { ManualClock, seededRandom } from '@dyno/core/testing';
import { PoolFullError, TimeoutError } from '@dyno/pool';
import { CompoundError } from '@dyno/retry';
import { type ServiceContext, service } from '@dyno/service';
import { heapAfterGc } from '../support/gc.js';
import { realProcess } from '../support/real-process.js';

/** How the soak run ended, for the invariants and for docs/reliability.md. */
export interface SoakReport {
  readonly calls: number;
  readonly outcomes: {
    succeeded: number;
    failed: number;
    rejected: number;
    timedOut: number;
    cancelled: number;
  };
  readonly settledTwice: number;
  readonly unsettled: number;
  readonly throughCache: number;
  readonly faults: Record<string, number>;
  readonly attempts: number;
  readonly maxPoolActive: number;
  readonly maxDependencyConcurrency: number;
  readonly concurrency: number;
  readonly transitions: Record<string, number>;
  readonly illegalTransitions: string[];
  readonly listenersBefore: number;
  readonly listenersAfter: number;
  /** The most listeners seen on the long-lived signal during the run (sampled). */
  readonly maxListeners: number;
  readonly unhandledRejections: number;
  readonly warnings: string[];
  readonly heapGrowthBytes: number;
  readonly pendingTimersAfterDispose: number | undefined;
  /** Node timers alive after dispose beyond those alive before the run (real time only). */
  readonly activeTimersAfterDispose: number | undefined;
  readonly virtualMs: number | undefined;
  readonly wallMs: number;
}

export interface SoakOptions {
  readonly calls: number;
  /** 'manual': a ManualClock advanced by 1 ms per round; 'real': the system clock, many callers. */
  readonly time: 'manual' | 'real';
  readonly seed?: number;
}

const LEGAL = new Set(['closed>open', 'open>half-open', 'half-open>open', 'half-open>closed']);

// Real-time runs shrink every duration so that a million calls fit in minutes.
const SHAPE = {
  manual: {
    timeout: 100,
    latency: 250,
    openDuration: 200,
    backoff: 20,
    abortWithin: 150,
    cacheTtl: 50,
  },
  real: { timeout: 10, latency: 25, openDuration: 20, backoff: 2, abortWithin: 15, cacheTtl: 5 },
};

/**
 * 100,000 (or any number of) calls through a full `@dyno/service` (retry + breaker + pool +
 * timeout + metrics), a share of them through a `@dyno/cache` in front, with the fault mix of
 * issue 13 injected by `@dyno/chaos`. Returns everything the invariants need.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? 13;
  const shape = SHAPE[options.time];
  const manual = options.time === 'manual' ? new ManualClock() : undefined;
  const clock: Clock | undefined = manual;
  const random = seededRandom(seed);

  const unhandled: unknown[] = [];
  const warnings: string[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  // jest hands tests a copy of `process` that never hears these events; listen on the real one
  realProcess.on('unhandledRejection', onUnhandled);
  realProcess.on('warning', onWarning);

  const nodeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const timersBefore = nodeTimers();
  const heapBefore = await heapAfterGc();
  const wallStart = performance.now();

  const timers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = clock ?? {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
  const work = seededRandom(seed + 5);
  // the dependency's own concurrency, seen from inside it
  let inside = 0;
  let maxInside = 0;
  let attempts = 0;
  const dependency = async ({ signal }: { signal: AbortSignal }): Promise<string> => {
    inside++;
    if (inside > maxInside) maxInside = inside;
    try {
      if (signal.aborted) throw signal.reason;
      // a fifth of the calls take a few ms, so that calls overlap inside the dependency too
      if (work() < 0.2)
        await new Promise<void>((resolve) => timers.setTimeout(resolve, 1 + work() * 3));
      return 'ok';
    } finally {
      inside--;
    }
  };
  const chaos = new Chaos({
    name: 'soak',
    random: seededRandom(seed + 1),
    ...(clock === undefined ? {} : { clock }),
    error: { rate: 0.15 },
    throwable: { rate: 0.05 },
    syncThrow: { rate: 0.01 },
    latency: { rate: 0.08, ms: shape.latency },
    hang: { rate: 0.05 },
    thenable: { rate: 0.04 },
  });
  // decides the 2 % of callers that give up; the abort itself is done by hand below
  const callers = new Chaos({
    name: 'callers',
    random: seededRandom(seed + 2),
    abort: { rate: 0.02 },
  });
  const faulty = chaos.wrap(dependency);

  const concurrency = 24;
  const svc = service(
    (context: ServiceContext, _key: string) => {
      attempts++;
      return faulty(context) as Promise<string>;
    },
    {
      name: 'soak',
      ...(clock === undefined ? {} : { clock }),
      timeout: shape.timeout,
      retry: { attempts: 3, maxDelay: shape.backoff * 4, random: seededRandom(seed + 3) },
      breaker: {
        openDuration: shape.openDuration,
        strategy: {
          kind: 'time-window',
          window: shape.openDuration * 5,
          buckets: 10,
          minimumCalls: 20,
          threshold: 0.45,
        },
      },
      pool: { concurrency, queue: concurrency * 2 },
    },
  );
  const breaker = svc.breaker as NonNullable<typeof svc.breaker>;
  const pool = svc.pool as NonNullable<typeof svc.pool>;
  const cache = new Cache<string>({
    name: 'soak-cache',
    ttl: shape.cacheTtl,
    maxEntries: 500,
    random: seededRandom(seed + 4),
    ...(clock === undefined ? {} : { clock }),
  });

  let maxActive = 0;
  pool.onStart((event) => {
    if (event.active > maxActive) maxActive = event.active;
  });
  const transitions: Record<string, number> = {};
  const illegal: string[] = [];
  let state: CircuitState = 'closed';
  breaker.onStateChange(({ from, to }) => {
    const key = `${from}>${to}`;
    transitions[key] = (transitions[key] ?? 0) + 1;
    if (!LEGAL.has(key) || from !== state) illegal.push(`${key} (was ${state})`);
    state = to;
  });

  const life = new AbortController();
  // Hundreds of calls share this one signal at once. Node warns past 10 listeners on a signal,
  // and the limit is left alone on purpose: @dyno/core keeps one real listener per signal
  // whatever the number of calls, so a regression to a listener per call shows up as a warning.
  const listenersBefore = getEventListeners(life.signal, 'abort').length;
  let maxListeners = listenersBefore;
  const sampleListeners = () => {
    const n = getEventListeners(life.signal, 'abort').length;
    if (n > maxListeners) maxListeners = n;
  };
  const viaLife = svc.withSignal(life.signal);
  const CALLER_GONE = new Error('the caller gave up');
  const outcomes = { succeeded: 0, failed: 0, rejected: 0, timedOut: 0, cancelled: 0 };
  const settledCount = new Uint8Array(options.calls);
  let settled = 0;
  let throughCache = 0;

  const classify = (error: unknown): keyof typeof outcomes => {
    const last = CompoundError.isInstance(error) ? (error as CompoundError).cause : error;
    if (last === CALLER_GONE) return 'cancelled';
    if (TimeoutError.isInstance(last)) return 'timedOut';
    if (BrokenCircuitError.isInstance(last) || PoolFullError.isInstance(last)) return 'rejected';
    return 'failed';
  };

  // two short outages (errors at 60 % for 1.5 % of the calls each) make the breaker trip
  const outage = (id: number) => {
    const at = id / options.calls;
    const inOutage = (at >= 0.4 && at < 0.415) || (at >= 0.7 && at < 0.715);
    if (inOutage !== chaos.rate('error') > 0.15) chaos.setRate('error', inOutage ? 0.6 : 0.15);
  };

  const start = (id: number): Promise<void> => {
    outage(id);
    const key = `k${Math.floor(random() * 200)}`;
    const useCache = random() < 0.1;
    if (useCache) throughCache++;
    let signal = life.signal;
    let timer: unknown;
    if (callers.pick() === 'abort') {
      const own = new AbortController();
      signal = own.signal;
      const after = Math.floor(random() * shape.abortWithin);
      timer = timers.setTimeout(() => own.abort(CALLER_GONE), after);
    }
    const call: Promise<string> = useCache
      ? cache.get(key, ({ signal: loadSignal }) => svc.withSignal(loadSignal)(key), { signal })
      : signal === life.signal
        ? viaLife(key)
        : svc.withSignal(signal)(key);
    const done = (kind: keyof typeof outcomes) => {
      settledCount[id] = (settledCount[id] as number) + 1;
      settled++;
      outcomes[kind]++;
      if (timer !== undefined) timers.clearTimeout(timer as never);
    };
    return call.then(
      () => done('succeeded'),
      (error: unknown) => done(classify(error)),
    );
  };

  if (manual !== undefined) {
    // about one arrival per ms (0, 1 or 2), one clock step per round
    let id = 0;
    while (id < options.calls) {
      const arrivals = Math.min(options.calls - id, Math.floor(random() * 3));
      for (let i = 0; i < arrivals; i++) void start(id++);
      if (id % 16 === 0) sampleListeners();
      await manual.advance(1);
    }
    await manual.runAll(1_000_000);
  } else {
    // 64 callers, each making calls one after the other. Each yields to the event loop between
    // calls: a refused call settles in a microtask, and a caller looping on microtasks alone
    // would starve every timer (the timeouts included) for as long as the circuit stays open.
    let next = 0;
    const worker = async () => {
      while (next < options.calls) {
        const id = next++;
        if (id % 64 === 0) sampleListeners();
        await start(id);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
  }

  const unsettled = options.calls - settled;
  let settledTwice = 0;
  for (const n of settledCount) if (n > 1) settledTwice++;
  svc.dispose();
  cache.dispose();
  const wallMs = performance.now() - wallStart;
  const listenersAfter = getEventListeners(life.signal, 'abort').length;
  const timersAfter = nodeTimers() - timersBefore;
  const heapAfter = await heapAfterGc();
  // warnings are emitted on the next tick
  await new Promise((resolve) => setImmediate(resolve));
  realProcess.off('unhandledRejection', onUnhandled);
  realProcess.off('warning', onWarning);

  const { calls: _calls, ...faults } = chaos.counts as unknown as Record<string, number>;
  faults.callerAbort = callers.counts.abort;
  return {
    calls: options.calls,
    outcomes,
    settledTwice,
    unsettled,
    throughCache,
    faults,
    attempts,
    maxPoolActive: maxActive,
    maxDependencyConcurrency: maxInside,
    concurrency,
    transitions,
    illegalTransitions: illegal,
    listenersBefore,
    listenersAfter,
    maxListeners,
    unhandledRejections: unhandled.length,
    warnings,
    heapGrowthBytes: heapAfter - heapBefore,
    pendingTimersAfterDispose: manual?.pending,
    activeTimersAfterDispose: manual === undefined ? timersAfter : undefined,
    virtualMs: manual?.now(),
    wallMs,
  };
}
