/** Payload of `MetricsRegistry.onEvict`: the name of the `Metrics` dropped to make room. */
export interface EvictEvent {
  readonly name: string;
}
