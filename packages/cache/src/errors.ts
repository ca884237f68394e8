import { DynoError, hasCode } from '@dyno/core';

/** Raised when a cached function's arguments cannot make a key (a cycle, or `key` not a string). */
export class CacheKeyError extends DynoError {
  constructor(message: string, source?: string) {
    super('DYNO_CACHE_KEY', message, { source });
  }

  static override isInstance(value: unknown): value is CacheKeyError {
    return hasCode(value, 'DYNO_CACHE_KEY');
  }
}
