import { DynoError, hasCode } from '@dyno/core';

/**
 * Redis could not decide a call in time (down, slow, or skipped after repeated failures) and the
 * limiter was told to fail closed (`whenUnavailable: 'refuse'`). Code `DYNO_REDIS_UNAVAILABLE`;
 * `cause` is what went wrong with Redis.
 */
export class RedisUnavailableError extends DynoError {
  constructor(message: string, source: string, cause?: unknown) {
    super('DYNO_REDIS_UNAVAILABLE', `@dyno/pool-redis: ${message}`, { source, cause });
  }

  /** True for a `RedisUnavailableError` from any loaded copy of `@dyno/pool-redis`. */
  static override isInstance(value: unknown): value is RedisUnavailableError {
    return hasCode(value, 'DYNO_REDIS_UNAVAILABLE');
  }
}
