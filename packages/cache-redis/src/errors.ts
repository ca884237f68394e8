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

/** A value the store's serializer cannot write so that it comes back as it went in. */
export class UnserializableValueError extends DynoError {
  /** Where in the value: `value`, `value.items.2`, `value<key 0>`, ... */
  readonly path: string;
  /** What was found there: `a function`, `an instance of Foo`, ... */
  readonly kind: string;

  constructor(path: string, kind: string, source?: string) {
    super(
      'DYNO_CACHE_UNSERIALIZABLE',
      `@dyno/cache-redis: cannot store ${kind} at \`${path}\`: it would not come back as it went in (use plain data, or pass a \`serializer\`)`,
      { source },
    );
    this.path = path;
    this.kind = kind;
  }

  static override isInstance(value: unknown): value is UnserializableValueError {
    return hasCode(value, 'DYNO_CACHE_UNSERIALIZABLE');
  }
}
