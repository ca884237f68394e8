import type { Outcome } from './outcome.js';

// `Metrics`'s event lives here, not in events.ts with the registry's, because those name
// `Metrics` and metrics.ts needs this one: keeping them apart keeps the package's imports one-way.

/** Payload of `Metrics.onOutcome`: one outcome just counted. */
export interface OutcomeEvent {
  /** The `Metrics` name. */
  readonly name: string;
  readonly outcome: Outcome;
  /** The latency in ms, `undefined` for an outcome recorded without one. */
  readonly latency: number | undefined;
}
