import type { ConsecutiveFailuresSnapshot, WindowSnapshot } from '../snapshot.js';
import type { Strategy } from './strategy.js';

/** Opens after `limit` failures in a row; a success starts the count again, ignored calls do not. */
export class ConsecutiveFailures implements Strategy {
  readonly slowCallDuration = undefined;
  readonly timed = false;
  readonly #limit: number;
  #failures = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  record(failure: boolean): boolean {
    if (!failure) {
      this.#failures = 0;
      return false;
    }
    return ++this.#failures >= this.#limit;
  }

  reset(): void {
    this.#failures = 0;
  }

  snapshot(): ConsecutiveFailuresSnapshot {
    return { kind: 'consecutive-failures', failures: this.#failures };
  }

  restore(snapshot: WindowSnapshot): void {
    if (snapshot.kind === 'consecutive-failures') {
      // a saved streak at or past the limit must not open a closed circuit without a new failure
      this.#failures = Math.min(snapshot.failures, this.#limit - 1);
    }
  }
}
