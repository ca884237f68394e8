export { type Deferred, deferred } from './deferred.js';
export {
  FailingClock,
  listenerReports,
  NON_ERRORS,
  never,
  OddClock,
  type Outcome,
  outcome,
  rejectionOf,
  settledTurns,
  tamperedPromises,
  thrown,
  undescribableFailures,
} from './faults.js';
export { flushPromises } from './flush.js';
export { ManualClock } from './manual-clock.js';
export { seededRandom } from './seeded-random.js';
export { SteppingClock } from './stepping-clock.js';
