import { DynoError, hasCode } from '@dyno/core';

/** A value under a cache key that is not a Dyno cache entry (corrupt, or written by someone else). */
export class CorruptEntryError extends DynoError {
  /** The Redis key holding the value. */
  readonly key: string;

  constructor(key: string, detail: string, source?: string, cause?: unknown) {
    super(
      'DYNO_CACHE_CORRUPT',
      `@dyno/cache-redis: the value under "${key}" is not a cache entry (${detail})`,
      {
        source,
        cause,
      },
    );
    this.key = key;
  }

  static override isInstance(value: unknown): value is CorruptEntryError {
    return hasCode(value, 'DYNO_CACHE_CORRUPT');
  }
}

/** Redis is not reachable (disconnected, or a command took longer than `timeout`). */
export class StoreUnavailableError extends DynoError {
  constructor(message: string, source?: string, cause?: unknown) {
    super('DYNO_CACHE_STORE_UNAVAILABLE', `@dyno/cache-redis: ${message}`, { source, cause });
  }

  static override isInstance(value: unknown): value is StoreUnavailableError {
    return hasCode(value, 'DYNO_CACHE_STORE_UNAVAILABLE');
  }
}
