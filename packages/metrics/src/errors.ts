import { DynoError, hasCode } from '@dyno/core';

/** Raised by a full `MetricsRegistry` (with `whenFull: 'throw'`) asked for a new name. */
export class MetricsLimitError extends DynoError {
  /** The registry's bound. */
  readonly maxSize: number;

  constructor(name: string, maxSize: number) {
    super(
      'DYNO_METRICS_LIMIT',
      `@dyno/metrics: the registry holds its maximum of ${maxSize} names; cannot add "${name}" (raise \`maxSize\` or use \`whenFull: 'evict-idle'\` or \`'overflow'\`)`,
      { source: name },
    );
    this.maxSize = maxSize;
  }

  static override isInstance(value: unknown): value is MetricsLimitError {
    return hasCode(value, 'DYNO_METRICS_LIMIT');
  }
}
