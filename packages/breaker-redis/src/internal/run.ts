import type { Clock } from '@dyno/core';
import type { Redis } from 'ioredis';
import type { Script } from './scripts.js';

// statuses in which ioredis would queue a command until it reconnects: fail fast instead
const DOWN: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

/** A Redis command that failed, was late, or was not sent because the client is down. */
export class CommandError extends Error {
  constructor(message: string, cause?: unknown) {
    super(`@dyno/breaker-redis: ${message}`, { cause });
    this.name = 'CommandError';
  }
}

/**
 * Runs a script (EVALSHA, or EVAL when Redis does not know it) within `timeout` ms. Rejects at
 * once while the client is not connected; a late answer is ignored.
 */
export function runScript<T>(
  client: Redis,
  clock: Clock,
  timeout: number,
  script: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<T> {
  if (DOWN.has(client.status)) {
    return Promise.reject(new CommandError(`Redis is not connected (${client.status})`));
  }
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new CommandError(`Redis took over ${timeout} ms`)),
      timeout,
    );
    const settle = (error: unknown, value?: unknown) => {
      clock.clearTimeout(timer);
      if (error === undefined) resolve(value as T);
      else reject(error instanceof CommandError ? error : new CommandError('Redis failed', error));
    };
    evaluate(client, script, keys, args).then(
      (value) => settle(undefined, value),
      (error: unknown) => settle(error ?? new CommandError('Redis failed')),
    );
  });
}

async function evaluate(
  client: Redis,
  script: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return await client.eval(script.body, keys.length, ...keys, ...args);
  }
}
