import type { CircuitBreaker } from '@dyno/breaker';
import type { Disposable } from '@dyno/core';
import type { Metrics } from '@dyno/metrics';
import type { Pool } from '@dyno/pool';
import type { Retry } from '@dyno/retry';
import type { DependencyCounts } from './dependency.js';

/** The counts each party keeps of the same run, read at its end. */
export interface Ledger {
  /** The callers: one outcome per call, and the service calls beneath them. */
  readonly callers: {
    /** Service calls made (a cache load is one; a cache hit makes none). */
    serviceCalls: number;
    /** Service calls that resolved, and those among them a late answer resolved. */
    serviceSucceeded: number;
    lateAnswers: number;
    /** Service calls that rejected: their caller had aborted, or not. */
    serviceCancelled: number;
    serviceFailed: number;
    /** Answers of one attempt that resolved more than one service call. */
    answeredTwice: number;
  };
  readonly retry: { retries: number; successes: number; givenUp: number };
  readonly breaker: { successes: number; failures: number; rejections: number };
  readonly pool: {
    started: number;
    settled: number;
    settledAs: Record<string, number>;
    /** The lowest `active` any start or settle event reported. */
    lowestActive: number;
    rejected: number;
    timedOut: number;
    active: number;
    queued: number;
    /** `undefined` while the pool has no abandoned-slot bound. */
    abandoned: number | undefined;
    abandonedTotal: number | undefined;
    abandonEvents: number;
  };
  readonly metrics: {
    success: number;
    failure: number;
    timeout: number;
    shortCircuited: number;
    rejected: number;
    inFlight: number;
  };
  readonly dependency: DependencyCounts;
}

/** Subscribes to every party's events; `read()` after the run, then `dispose()`. */
export interface LedgerWatch {
  /** Called by the soak for each service call it makes, and as it settles. */
  serviceCall(): void;
  answered(attempt: number, late: boolean): void;
  refused(cancelled: boolean): void;
  read(): Ledger;
  dispose(): void;
}

interface Parts {
  /** One byte per attempt number the dependency can hand out (made before the heap is measured). */
  readonly answers: Uint8Array;
  readonly retry: Retry;
  readonly breaker: CircuitBreaker;
  readonly pool: Pool;
  readonly metrics: Metrics;
  readonly dependency: DependencyCounts;
}

/** Where the pool keeps its abandoned-slot figures (issue 18), when it has them. */
interface Abandoning {
  readonly abandoned?: number;
  readonly abandonedTotal?: number;
  readonly onAbandon?: (listener: () => void) => Disposable;
}

/** Starts counting. Listening costs the parties their no-listener fast paths; the soak accepts that. */
export function watchLedger(parts: Parts): LedgerWatch {
  const { retry, breaker, pool, metrics } = parts;
  const callers = {
    serviceCalls: 0,
    serviceSucceeded: 0,
    lateAnswers: 0,
    serviceCancelled: 0,
    serviceFailed: 0,
    answeredTwice: 0,
  };
  const { answers } = parts;
  const r = { retries: 0, successes: 0, givenUp: 0 };
  const b = { successes: 0, failures: 0, rejections: 0 };
  const settledAs: Record<string, number> = {};
  const p = { settled: 0, rejected: 0, timedOut: 0, abandonEvents: 0, lowestActive: 0 };
  const abandoning = pool as unknown as Abandoning;
  const subscriptions: Disposable[] = [
    retry.onRetry(() => r.retries++),
    retry.onSuccess(() => r.successes++),
    retry.onGiveUp(() => r.givenUp++),
    breaker.onSuccess(() => b.successes++),
    breaker.onFailure(() => b.failures++),
    breaker.onReject(() => b.rejections++),
    pool.onStart(({ active }) => {
      if (active < p.lowestActive) p.lowestActive = active;
    }),
    pool.onSettle(({ outcome, active }) => {
      p.settled++;
      if (active < p.lowestActive) p.lowestActive = active;
      settledAs[outcome] = (settledAs[outcome] ?? 0) + 1;
    }),
    pool.onReject(() => p.rejected++),
    pool.onTimeout(() => p.timedOut++),
  ];
  if (typeof abandoning.onAbandon === 'function') {
    subscriptions.push(abandoning.onAbandon(() => p.abandonEvents++));
  }
  return {
    serviceCall: () => {
      callers.serviceCalls++;
    },
    answered: (attempt, late) => {
      callers.serviceSucceeded++;
      if (late) callers.lateAnswers++;
      if (answers[attempt] !== 0) callers.answeredTwice++;
      answers[attempt] = 1;
    },
    refused: (cancelled) => {
      if (cancelled) callers.serviceCancelled++;
      else callers.serviceFailed++;
    },
    read: () => {
      const { totals, inFlight } = metrics.snapshot();
      return {
        callers: { ...callers },
        retry: { ...r },
        breaker: { ...b },
        pool: {
          started: pool.started,
          settled: p.settled,
          settledAs: { ...settledAs },
          lowestActive: p.lowestActive,
          rejected: p.rejected,
          timedOut: p.timedOut,
          active: pool.active,
          queued: pool.queued,
          abandoned: abandoning.abandoned,
          abandonedTotal: abandoning.abandonedTotal,
          abandonEvents: p.abandonEvents,
        },
        metrics: {
          success: totals.success,
          failure: totals.failure,
          timeout: totals.timeout,
          shortCircuited: totals.shortCircuited,
          rejected: totals.rejected,
          inFlight,
        },
        dependency: { ...parts.dependency },
      };
    },
    dispose: () => {
      for (const s of subscriptions) s.dispose();
    },
  };
}
