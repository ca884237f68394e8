export { type Deferred, deferred } from './deferred.js';
export { flushPromises } from './flush.js';
export { ManualClock } from './manual-clock.js';
export { seededRandom } from './seeded-random.js';
