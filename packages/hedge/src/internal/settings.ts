import type { Clock, EventEmitter } from '@dyno/core';
import type { HedgeEvent, RefuseEvent, WinEvent } from '../events.js';
import type { HedgeBudget } from '../hedge-budget.js';
import type { HedgeOutcome } from '../options.js';
import type { LatencyWindow } from './latency-window.js';

/** Counters since the Hedge was made. */
export interface Tally {
  calls: number;
  hedges: number;
  wins: number;
  refused: number;
}

/** Everything a hedged call reads, fixed at construction. */
export interface Settings {
  readonly name: string;
  readonly maxAttempts: number;
  readonly isAcceptable: ((outcome: HedgeOutcome, attempt: number) => boolean) | undefined;
  readonly budget: HedgeBudget | undefined;
  readonly clock: Clock;
  /** The delay of the next call's hedges. */
  readonly delay: () => number;
  /** Where acceptable attempts' latencies go, for a percentile delay. */
  readonly latencies: LatencyWindow | undefined;
  readonly onHedge: EventEmitter<HedgeEvent>;
  readonly onWin: EventEmitter<WinEvent>;
  readonly onRefuse: EventEmitter<RefuseEvent>;
  readonly tally: Tally;
}
