import type { Awaitable } from '@dyno/core';

// The loader's types live here, not in cache.ts, because the load side (internal/load.ts,
// internal/context.ts) needs them too and cache.ts imports that side: keeping them apart keeps
// the package's imports one-way.

/** What a loader receives, and how it decides about the entry it produces. */
export interface LoaderContext {
  /** Aborted when every caller waiting on this load has gone, the cache is disposed, or the
   * load outlives `hardTimeout` (then with `CacheTimeoutError`). */
  readonly signal: AbortSignal;
  /** The key being loaded. */
  readonly key: string;
  /** Sets this value's freshness in ms (`Infinity`: for ever), instead of the cache's `ttl`. */
  setTtl(ms: number): void;
  /** Sets this value's tags, for `deleteByTag`. */
  setTags(tags: readonly string[]): void;
  /**
   * This value answers the callers waiting for it but is not stored (nor is a failure, with
   * `negativeTtl`).
   */
  noCache(): void;
}

/** Computes the value of a key. */
export type CacheLoader<V> = (context: LoaderContext) => Awaitable<V>;
