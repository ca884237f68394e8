import type { Metrics } from './metrics.js';

/** Payload of `MetricsRegistry.onEvict`: the name of the `Metrics` dropped to make room. */
export interface EvictEvent {
  readonly name: string;
}

/** Payload of `MetricsRegistry.onAdd`: an entry just made. */
export interface AddEvent {
  readonly name: string;
  readonly metrics: Metrics;
}
