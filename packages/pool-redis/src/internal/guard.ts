import { CircuitBreaker, type CircuitPermit } from '@dyno/breaker';
import type { Clock } from '@dyno/core';

// statuses in which ioredis would queue a command until it reconnects: fail fast instead
const DOWN: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

/** Why Redis was not asked or did not answer. */
export class Unavailable {
  constructor(
    readonly message: string,
    readonly cause?: unknown,
  ) {}
}

/** What the guard reads of the ioredis client. */
export interface GuardedClient {
  readonly status: string;
  readonly options?: { readonly enableOfflineQueue?: boolean };
}

/** What the guard needs to know. */
export interface GuardSettings {
  readonly name: string;
  readonly clock: Clock;
  readonly timeout: number;
  readonly circuit: { readonly failures: number; readonly cooldown: number } | false;
}

/**
 * Runs one Redis command per decision: fails at once while the client is not connected, after
 * `timeout` ms, and while the circuit is open, rejecting with `Unavailable`. A command that
 * answers after its timeout changes nothing for its caller (who was already decided for).
 */
export class Guard {
  readonly #s: GuardSettings;
  readonly #breaker: CircuitBreaker | undefined;

  constructor(settings: GuardSettings) {
    this.#s = settings;
    const c = settings.circuit;
    this.#breaker =
      c === false
        ? undefined
        : new CircuitBreaker({
            name: `${settings.name} redis`,
            clock: settings.clock,
            strategy: { kind: 'consecutive-failures', failures: c.failures },
            openDuration: c.cooldown,
            halfOpenMaxWait: Math.max(c.cooldown, settings.timeout),
          });
  }

  /** `closed` while Redis is asked, `open` while it is skipped, `half-open` while one call tries it. */
  get state(): 'closed' | 'open' | 'half-open' {
    const state = this.#breaker?.state;
    if (state === 'open' || state === 'isolated') return 'open';
    return state === 'half-open' ? 'half-open' : 'closed';
  }

  run<T>(client: GuardedClient, command: () => Promise<T>): Promise<T> {
    const status = client.status;
    if (DOWN.has(status)) {
      return Promise.reject(new Unavailable(`Redis is not connected (${status})`));
    }
    let permit: CircuitPermit | undefined;
    try {
      permit = this.#breaker?.acquire();
    } catch (error) {
      return Promise.reject(new Unavailable('Redis is skipped after repeated failures', error));
    }
    // without an offline queue ioredis refuses every command until its connection is ready (at
    // start, or with `lazyConnect`): that is the client still connecting, not Redis failing, and
    // must not open the circuit (the command is still sent: in `wait` it makes ioredis connect)
    const connecting = status !== 'ready' && client.options?.enableOfflineQueue === false;
    const { clock, timeout } = this.#s;
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        const late = new Unavailable(`Redis took over ${timeout} ms to decide`);
        permit?.countFailure(late);
        reject(late);
      }, timeout);
      let answer: Promise<T>;
      try {
        answer = command();
      } catch (error) {
        answer = Promise.reject(error);
      }
      answer.then(
        (value) => {
          clock.clearTimeout(timer);
          permit?.countSuccess();
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          if (connecting) {
            permit?.release();
            reject(new Unavailable(`Redis is not connected (${status})`, error));
            return;
          }
          const failed = new Unavailable('Redis failed to decide', error);
          permit?.countFailure(failed);
          reject(failed);
        },
      );
    });
  }
}
