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
import { makeDependency } from './dependency.js';
import { watchLedger } from './ledger.js';
import { reconcile } from './reconcile.js';
import { LEGAL, SHAPE, type SoakOptions, type SoakReport } from './report.js';

export type { SoakOptions, SoakReport } from './report.js';

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
  // the ledger's record of which attempts answered (attempts are at most 3 per call)
  const answers = new Uint8Array(options.calls * 3 + 1);
  const heapBefore = await heapAfterGc();
  const wallStart = performance.now();

  const timers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = clock ?? {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
  // below chaos: calls that ignore their signal, failing or answering after the deadline
  const dependency = makeDependency(timers, seed, {
    timeout: shape.timeout,
    lateBy: shape.lateBy,
    deafHangRate: 0.002,
    lateRate: 0.02,
    forever: 3,
  });
  let attempts = 0;
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
  const faulty = chaos.wrap(dependency.fn);

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
      // abandoned tasks capped (the service leaves them uncapped by default), so that the
      // dependency's own count of calls at once has a bound to be checked against
      pool: { concurrency, queue: concurrency * 2, maxAbandoned: concurrency },
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
  const ledger = watchLedger({
    retry: svc.retry as NonNullable<typeof svc.retry>,
    breaker,
    pool,
    metrics: svc.metrics as NonNullable<typeof svc.metrics>,
    dependency: dependency.counts,
    answers,
  });
  // every service call and every answer goes through the ledger: an attempt that answers two
  // calls, or a late answer that reaches one, shows there
  const callService = (signal: AbortSignal, key: string): Promise<string> => {
    ledger.serviceCall();
    const call = signal === life.signal ? viaLife : svc.withSignal(signal);
    return call(key).then(
      (answer) => {
        ledger.answered(dependency.attemptOf(answer), dependency.isLate(answer));
        return answer;
      },
      (error: unknown) => {
        ledger.refused(signal.aborted);
        throw error;
      },
    );
  };
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
      ? cache.get(key, ({ signal: loadSignal }) => callService(loadSignal, key), { signal })
      : callService(signal, key);
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
  const counts = ledger.read();
  ledger.dispose();
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
    maxDependencyConcurrency: dependency.counts.maxInside,
    concurrency,
    maxAbandoned: (pool as { maxAbandoned?: number }).maxAbandoned ?? 0,
    transitions,
    illegalTransitions: illegal,
    listenersBefore,
    listenersAfter,
    maxListeners,
    unhandledRejections: unhandled.length,
    warnings,
    heapGrowthBytes: heapAfter - heapBefore,
    ledger: counts,
    balances: reconcile(counts, attempts),
    pendingTimersAfterDispose: manual?.pending,
    activeTimersAfterDispose: manual === undefined ? timersAfter : undefined,
    virtualMs: manual?.now(),
    wallMs,
  };
}
