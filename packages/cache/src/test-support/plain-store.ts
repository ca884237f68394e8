import type { CacheStore } from '../entry.js';
import { MemoryStore } from '../memory-store.js';

/**
 * A `CacheStore` with the four basic methods only (no `deleteByTag` or `deletePrefix`), each
 * passed on to `inner`, and `extras` (a `clock`, a `lease`, a replaced method) on top: a store
 * whose methods a test can replace or watch.
 */
export function plainStore(
  inner: MemoryStore = new MemoryStore(),
  extras: Partial<CacheStore> = {},
): CacheStore {
  return {
    get: (k, now) => inner.get(k, now),
    set: (k, e, keep, now) => inner.set(k, e, keep, now),
    delete: (k) => inner.delete(k),
    clear: () => inner.clear(),
    ...extras,
  };
}
