export { Chaos, type ChaosCounts } from './chaos.js';
export { ChaosError } from './errors.js';
export type { FaultEvent } from './events.js';
export {
  type AbortFaultOptions,
  type ChaosOptions,
  DEFAULT_CHAOS_OPTIONS,
  type ErrorFaultOptions,
  FAULT_KINDS,
  type FaultKind,
  type FaultOptions,
  type LatencyFaultOptions,
  type OddThenable,
  type ResultFaultOptions,
  type ThenableFaultOptions,
  type ThrowableFaultOptions,
} from './options.js';
