import { CircuitBreaker, type StateChangeEvent } from '@dyno/breaker';
import type { Clock, Event } from '@dyno/core';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { monotonic } from './monotonic.js';

// statuses in which ioredis would queue a command until it reconnects: fail fast instead
const DOWN = new Set(['reconnecting', 'close', 'end']);

/** What the guard needs to know. */
export interface GuardSettings {
  readonly client: Redis;
  readonly name: string;
  readonly clock: Clock;
  readonly timeout: number;
  readonly circuit: { readonly failures: number; readonly cooldown: number } | false;
}

/** A command's error that says nothing about Redis's health (a refused value, a wrong type). */
export class DataError {
  constructor(readonly error: unknown) {}
}

// replies of a Redis that is up but refuses writes: out of memory under `noeviction`, or a replica
// (a failover under way). Its reads still work: counted, the writes would open the circuit and
// take the reads away too, so every miss would recompute what Redis still holds
const REFUSED_WRITE: ReadonlySet<string | undefined> = new Set(['OOM', 'READONLY']);

/**
 * The kind of a Redis error reply: its first word (`WRONGTYPE`, `ERR`, `NOSCRIPT`, ...), which
 * the protocol (RESP) reserves for it. ioredis rejects with a `ReplyError` whose message is the
 * reply's text and which has no `code` field. `undefined` for an error without a text message.
 */
export function replyKind(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message.split(' ', 1)[0] : undefined;
}

/**
 * Runs Redis commands for one store: fails at once while the client is not connected (ioredis
 * would queue the command until it reconnects), after `timeout` ms, and while the circuit is
 * open; every failure is a `StoreUnavailableError`.
 */
export class Guard {
  readonly #s: GuardSettings;
  readonly #breaker: CircuitBreaker | undefined;
  /** State changes of the store's circuit (never fires with `circuit: false`). */
  readonly onStateChange: Event<StateChangeEvent> | undefined;

  constructor(settings: GuardSettings) {
    this.#s = settings;
    const c = settings.circuit;
    this.#breaker =
      c === false
        ? undefined
        : new CircuitBreaker({
            name: settings.name,
            clock: monotonic(settings.clock),
            strategy: { kind: 'consecutive-failures', failures: c.failures },
            openDuration: c.cooldown,
            halfOpenMaxWait: Math.max(c.cooldown, settings.timeout),
          });
    this.onStateChange = this.#breaker?.onStateChange;
  }

  /** The circuit's state: `closed` (Redis is asked), `open` (skipped) or `half-open`. */
  get state(): 'closed' | 'open' | 'half-open' {
    const state = this.#breaker?.state;
    if (state === 'open' || state === 'isolated') return 'open';
    return state === 'half-open' ? 'half-open' : 'closed';
  }

  /**
   * Runs `command`. A rejection wrapped in `DataError` by the command is no sign of an outage:
   * it reaches the caller unwrapped and does not count against the circuit.
   */
  run<T>(command: () => Promise<T>): Promise<T> {
    const { client, name, clock, timeout } = this.#s;
    const status = client.status;
    if (DOWN.has(status)) {
      return Promise.reject(new StoreUnavailableError(`Redis is not connected (${status})`, name));
    }
    let permit: ReturnType<CircuitBreaker['acquire']> | undefined;
    try {
      permit = this.#breaker?.acquire();
    } catch (error) {
      return Promise.reject(
        new StoreUnavailableError('Redis is skipped after repeated failures', name, error),
      );
    }
    // without an offline queue ioredis refuses every command until its connection is ready (at
    // start, or with `lazyConnect`): the client still connecting, not Redis failing
    const connecting = status !== 'ready' && client.options?.enableOfflineQueue === false;
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        const error = new StoreUnavailableError(`a Redis command took over ${timeout} ms`, name);
        permit?.failed(error);
        reject(error);
      }, timeout);
      command().then(
        (value) => {
          clock.clearTimeout(timer);
          permit?.succeeded(value);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          if (error instanceof DataError) {
            permit?.release();
            reject(error.error);
            return;
          }
          if (connecting) {
            permit?.release();
            reject(new StoreUnavailableError(`Redis is not connected (${status})`, name, error));
            return;
          }
          const wrapped = new StoreUnavailableError('a Redis command failed', name, error);
          if (REFUSED_WRITE.has(replyKind(error))) permit?.release();
          else permit?.failed(wrapped);
          reject(wrapped);
        },
      );
    });
  }
}
