import type { Metrics } from './metrics.js';
import type { Outcome } from './outcome.js';

/** Payload of `MetricsRegistry.onEvict`: the name of the `Metrics` dropped to make room. */
export interface EvictEvent {
  readonly name: string;
}

/** Payload of `Metrics.onOutcome`: one outcome just counted. */
export interface OutcomeEvent {
  /** The `Metrics` name. */
  readonly name: string;
  readonly outcome: Outcome;
  /** The latency in ms, `undefined` for an outcome recorded without one. */
  readonly latency: number | undefined;
}

/** Payload of `MetricsRegistry.onAdd`: an entry just made. */
export interface AddEvent {
  readonly name: string;
  readonly metrics: Metrics;
}
