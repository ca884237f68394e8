export {
  CorruptEntryError,
  StoreUnavailableError,
  UnserializableValueError,
} from './errors.js';
export type {
  BusMessageEvent,
  BusMessageType,
  BusStateEvent,
  TierErrorEvent,
} from './events.js';
export {
  DEFAULT_REDIS_CIRCUIT_OPTIONS,
  DEFAULT_REDIS_LEASE_OPTIONS,
  DEFAULT_REDIS_STORE_OPTIONS,
  type RedisCircuitOptions,
  type RedisLeaseOptions,
  type RedisStoreOptions,
} from './options.js';
export { RedisStore } from './redis-store.js';
export { type Serializer, structuredSerializer } from './serializer.js';
export { DEFAULT_TIERED_STORE_OPTIONS, type TieredStoreOptions } from './tiered-options.js';
export { TieredStore } from './tiered-store.js';
export { wallClock } from './wall-clock.js';
