export { Cache, type CacheGetOptions, type CacheSetOptions } from './cache.js';
export { type CachedFunction, type CachedOptions, cached } from './cached.js';
export type { CacheEntry, CacheStore, RemoteWrite, StoreLease } from './entry.js';
export { CacheKeyError, CacheTimeoutError } from './errors.js';
export type {
  CacheErrorEvent,
  HitEvent,
  LoadEvent,
  MissEvent,
  RefreshEvent,
  StaleEvent,
  StoreCircuitEvent,
} from './events.js';
export { stableKey } from './key.js';
export type { CacheLoader, LoaderContext } from './loader.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { type CacheOptions, DEFAULT_CACHE_OPTIONS, type StoreCircuitOptions } from './options.js';
export {
  type ExponentialRefreshOptions,
  exponentialRefresh,
  linearRefresh,
  type RefreshPolicy,
  type StaticRefreshOptions,
  staticRefresh,
  type XFetchOptions,
  xfetch,
} from './refresh.js';
