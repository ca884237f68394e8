import type { Ledger } from './ledger.js';
import type { Balance } from './reconcile.js';

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
  /** The pool's bound on abandoned tasks (0 while the pool has none). */
  readonly maxAbandoned: number;
  readonly transitions: Record<string, number>;
  readonly illegalTransitions: string[];
  readonly listenersBefore: number;
  readonly listenersAfter: number;
  /** The most listeners seen on the long-lived signal during the run (sampled). */
  readonly maxListeners: number;
  readonly unhandledRejections: number;
  readonly warnings: string[];
  readonly heapGrowthBytes: number;
  /** Every party's own counts of the run. */
  readonly ledger: Ledger;
  /** Those counts set against each other (see reconcile.ts). */
  readonly balances: Balance[];
  readonly pendingTimersAfterDispose: number | undefined;
  /** Node timers alive after dispose beyond those alive before the run (real time only). */
  readonly activeTimersAfterDispose: number | undefined;
  readonly virtualMs: number | undefined;
  readonly wallMs: number;
}

/** What to run. */
export interface SoakOptions {
  readonly calls: number;
  /** 'manual': a ManualClock advanced by 1 ms per round; 'real': the system clock, many callers. */
  readonly time: 'manual' | 'real';
  readonly seed?: number;
}

/** The circuit transitions a breaker may make. */
export const LEGAL = new Set([
  'closed>open',
  'open>half-open',
  'half-open>open',
  'half-open>closed',
]);

// Real-time runs shrink every duration so that a million calls fit in minutes.
export const SHAPE = {
  manual: {
    timeout: 100,
    latency: 250,
    openDuration: 200,
    backoff: 20,
    abortWithin: 150,
    cacheTtl: 50,
    // a late answer comes this many deadlines after the start, at least: on the manual clock
    // just past the deadline; on real timers with a margin, since timers due within the same
    // millisecond may fire in either order
    lateBy: 1.01,
  },
  real: {
    timeout: 10,
    latency: 25,
    openDuration: 20,
    backoff: 2,
    abortWithin: 15,
    cacheTtl: 5,
    lateBy: 1.5,
  },
};
