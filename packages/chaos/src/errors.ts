import { DynoError, hasCode } from '@dyno/core';
import type { FaultKind } from './options.js';

/** The error `@dyno/chaos` injects when it is not told to throw something else. */
export class ChaosError extends DynoError {
  /** The fault that produced it. */
  readonly fault: FaultKind;

  constructor(fault: FaultKind, message: string, source?: string) {
    super('DYNO_CHAOS', message, { source });
    this.fault = fault;
  }

  static override isInstance(value: unknown): value is ChaosError {
    return hasCode(value, 'DYNO_CHAOS');
  }
}
