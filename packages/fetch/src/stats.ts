import type { CircuitState } from '@dyno/breaker';

/** What one origin's calls came to since the client first called it (see `client.stats()`). */
export interface OriginStats {
  readonly origin: string;
  /** Responses by status class: `'1xx'` to `'5xx'`. */
  readonly statuses: Readonly<Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>>;
  /** Attempts that failed without a response (resets, refused connections, DNS, ...). */
  readonly networkErrors: number;
  /** Attempts cut by the attempt timeout. */
  readonly timeouts: number;
  /** Attempts the origin's open circuit refused. */
  readonly shortCircuited: number;
  /** Retries started. */
  readonly retries: number;
  /** Hedged attempts started, and calls a hedged attempt won. */
  readonly hedges: number;
  readonly hedgeWins: number;
  /** The origin's circuit, or `undefined` without a breaker. */
  readonly circuit: CircuitState | undefined;
}
