export { CircuitBreaker } from './circuit-breaker.js';
export { BrokenCircuitError, ProbeTimeoutError } from './errors.js';
export type {
  BreakEvent,
  CircuitState,
  FailureEvent,
  NameEvent,
  RejectEvent,
  StateChangeEvent,
  SuccessEvent,
} from './events.js';
export { Fuse, type FuseBreakEvent, type TriggerOptions } from './fuse.js';
export { isCircuitSnapshot } from './internal/read-snapshot.js';
export {
  type CircuitBreakerOptions,
  type ConsecutiveFailuresOptions,
  type CountWindowOptions,
  DEFAULT_CIRCUIT_BREAKER_OPTIONS,
  DEFAULT_FUSE_OPTIONS,
  DEFAULT_HALF_OPEN_RATIO,
  DEFAULT_STRATEGY_OPTIONS,
  type FuseOptions,
  type HalfOpenRatioOptions,
  type TimeWindowOptions,
  type TripStrategyOptions,
} from './options.js';
export type { CircuitPermit } from './permit.js';
export type {
  CircuitSnapshot,
  ConsecutiveFailuresSnapshot,
  CountWindowSnapshot,
  OutcomeCode,
  TimeWindowSnapshot,
  WindowSnapshot,
} from './snapshot.js';
