import { DynoError, hasCode } from '@dyno/core';

/**
 * Raised when arguments cannot make a faithful key: a cycle, a value whose contents cannot be
 * read (a `WeakMap`, a `Promise`, a class instance with only `#private` fields, ...), an argument
 * changed between a call and its load, or a `key` option that returned a non-string.
 */
export class CacheKeyError extends DynoError {
  constructor(message: string, source?: string) {
    super('DYNO_CACHE_KEY', message, { source });
  }

  static override isInstance(value: unknown): value is CacheKeyError {
    return hasCode(value, 'DYNO_CACHE_KEY');
  }
}

/**
 * Raised when a load outlives `hardTimeout` (its callers reject with it, its signal aborts with
 * it) or when store work outlives `storeTimeout` (reported as an `error` event; `set`, `delete`
 * and the other writes a user awaits reject with it). Code `DYNO_TIMEOUT`.
 */
export class CacheTimeoutError extends DynoError {
  /** What took too long. */
  readonly operation: 'load' | 'store';
  /** The limit that ran out, in ms. */
  readonly timeout: number;

  constructor(operation: 'load' | 'store', timeout: number, key: string, source?: string) {
    const what = operation === 'load' ? 'loading' : 'the store, for';
    super('DYNO_TIMEOUT', `@dyno/cache: ${what} "${key}" took over ${timeout} ms`, { source });
    this.operation = operation;
    this.timeout = timeout;
  }

  static override isInstance(value: unknown): value is CacheTimeoutError {
    return (
      hasCode(value, 'DYNO_TIMEOUT') && (value as { operation?: unknown }).operation !== undefined
    );
  }
}
