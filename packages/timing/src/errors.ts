import { DynoError, hasCode } from '@dyno/core';

/**
 * Raised when an interval is started twice, or stopped before it was started or after it was
 * stopped. `source` is the interval's name.
 */
export class TimerStateError extends DynoError {
  constructor(message: string, source: string) {
    super('DYNO_TIMER_STATE', message, { source });
  }

  /** True for a `TimerStateError` from any loaded copy of `@dyno/timing`. */
  static override isInstance(value: unknown): value is TimerStateError {
    return hasCode(value, 'DYNO_TIMER_STATE');
  }
}
