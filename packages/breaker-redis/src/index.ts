export { FleetOpenError } from './errors.js';
export type { FleetRedisErrorEvent, FleetViewEvent, MemberState } from './events.js';
export { FleetCircuit } from './fleet-circuit.js';
export {
  DEFAULT_FLEET_CIRCUIT_OPTIONS,
  DEFAULT_QUORUM_OPTIONS,
  type FleetBreaker,
  type FleetCircuitOptions,
  type QuorumOptions,
} from './options.js';
export {
  type CircuitSnapshotOptions,
  loadCircuitSnapshot,
  saveCircuitSnapshot,
} from './snapshot-store.js';
