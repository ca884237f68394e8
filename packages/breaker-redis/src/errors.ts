import { DynoError, hasCode } from '@dyno/core';

/**
 * The reason a `FleetCircuit` isolates its breaker: enough live members of the fleet report the
 * circuit open. It is the `onBreak` reason and the `reason`/`cause` of the breaker's
 * `BrokenCircuitError`s while the isolation lasts. Code `DYNO_FLEET_OPEN`.
 */
export class FleetOpenError extends DynoError {
  /** Members reporting the circuit open (or half-open) when the isolation began. */
  readonly open: number;
  /** Live members then, this process included. */
  readonly live: number;

  constructor(open: number, live: number, source: string) {
    super(
      'DYNO_FLEET_OPEN',
      `@dyno/breaker-redis: ${open} of ${live} live members report the circuit open`,
      { source },
    );
    this.open = open;
    this.live = live;
  }

  /** True for a `FleetOpenError` from any loaded copy of `@dyno/breaker-redis`. */
  static override isInstance(value: unknown): value is FleetOpenError {
    return hasCode(value, 'DYNO_FLEET_OPEN');
  }
}
