export { CorruptEntryError, StoreUnavailableError } from './errors.js';
export {
  DEFAULT_REDIS_LEASE_OPTIONS,
  DEFAULT_REDIS_STORE_OPTIONS,
  type RedisLeaseOptions,
  type RedisStoreOptions,
} from './options.js';
export { RedisStore } from './redis-store.js';
export { wallClock } from './wall-clock.js';
