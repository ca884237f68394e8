import { type Clock, type EventEmitter, hasCode, isThenable } from '@dyno/core';
import type { CacheEntry, CacheStore } from '../entry.js';
import { CacheTimeoutError } from '../errors.js';
import type { StoreCircuitEvent } from '../events.js';

/** What the guard needs from its cache. */
export interface GuardSettings {
  readonly name: string;
  readonly store: CacheStore;
  readonly clock: Clock;
  /** `storeTimeout`, `Infinity` for none. */
  readonly timeout: number;
  /** `storeCircuit.failures`, `Infinity` when the circuit is off. */
  readonly failures: number;
  readonly cooldown: number;
  readonly circuit: EventEmitter<StoreCircuitEvent>;
  readonly report: (key: string, error: unknown) => void;
}

/** How `StoreGuard.attempt` answers a failed call, and how long it lets the call take. */
export interface AttemptOptions<F> {
  /** What a failed call answers instead. @default undefined */
  readonly fallback?: F;
  /** The ms the call may take. @default the store timeout (`storeTimeout`) */
  readonly budget?: number | undefined;
  /** A write: its failure is reported, and not counted towards opening the circuit. */
  readonly write?: boolean;
}

/**
 * The cache's side of a store that may be slow or down: bounds store work by `storeTimeout`,
 * reports failures, and after `failures` in a row stops using the store for `cooldown` ms (a
 * simple circuit: a primitive cannot use `@dyno/breaker`). Then every call tries the store
 * again; the first success closes the circuit, a failure opens it for another cooldown.
 */
export class StoreGuard {
  readonly #s: GuardSettings;
  /** Failures in a row. Read on the hot path: nonzero only after a failure. */
  failures = 0;
  /** Until when the store is skipped (`-Infinity` when closed). Read on the hot path. */
  openUntil: number = Number.NEGATIVE_INFINITY;
  #open = false;

  constructor(settings: GuardSettings) {
    this.#s = settings;
  }

  /** `storeTimeout` in ms, `Infinity` for none. */
  get timeout(): number {
    return this.#s.timeout;
  }

  /**
   * Records a failed store call (reported as an `error` event). Only failed reads are counted
   * towards opening the circuit, which skips reads: a write the store refused (Redis out of
   * memory or read-only, a value its serializer cannot write) is no sign that it cannot answer
   * reads, and skipping them would send every caller of a key Redis still holds to its loader.
   * An entry the store could not read is no sign that the store is down either.
   */
  failed(key: string, error: unknown, write = false): void {
    const s = this.#s;
    s.report(key, error);
    if (write || unreadable(error)) return;
    if (++this.failures < s.failures) return;
    this.openUntil = s.clock.now() + s.cooldown;
    if (this.#open) return;
    this.#open = true;
    if (s.circuit.hasListeners) s.circuit.emit({ name: s.name, state: 'open' });
  }

  /**
   * Whether the store is skipped at `now` (the circuit is open). The cache's clock is steady (a
   * step back counts as no time passed), so a cooldown never lasts as long as a step back.
   */
  skips(now: number): boolean {
    return now < this.openUntil;
  }

  /** Records a store call that worked. */
  succeeded(): void {
    this.failures = 0;
    if (!this.#open) return;
    this.#open = false;
    this.openUntil = Number.NEGATIVE_INFINITY;
    const s = this.#s;
    if (s.circuit.hasListeners) s.circuit.emit({ name: s.name, state: 'closed' });
  }

  /**
   * `pending`, or a rejection with `CacheTimeoutError` once `budget` ms have passed (the timer
   * is cleared when `pending` settles first).
   */
  bound<T>(pending: PromiseLike<T>, key: string, budget: number = this.#s.timeout): Promise<T> {
    if (budget === Number.POSITIVE_INFINITY) return Promise.resolve(pending);
    const { clock, timeout, name } = this.#s;
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(
        () => reject(new CacheTimeoutError('store', timeout, key, name)),
        Math.max(0, budget),
      );
      pending.then(
        (value) => {
          clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Runs one store call for the cache's own use (a write-back, a re-read): never throws, reports
   * a failure, answers `options.fallback` instead. Synchronous stores answer synchronously.
   */
  attempt<T, F = undefined>(
    key: string,
    call: () => T | PromiseLike<T>,
    options?: AttemptOptions<F>,
  ): T | F | Promise<T | F> {
    const fallback = options?.fallback as F;
    const write = options?.write === true;
    let result: T | PromiseLike<T>;
    try {
      result = call();
    } catch (error) {
      this.failed(key, error, write);
      return fallback;
    }
    if (!isThenable<T>(result)) {
      if (this.failures !== 0) this.succeeded();
      return result;
    }
    return this.bound(result, key, options?.budget).then(
      (value): T | F => {
        if (this.failures !== 0) this.succeeded();
        return value;
      },
      (error: unknown) => {
        this.failed(key, error, write);
        return fallback;
      },
    );
  }

  /** Writes an entry back after a load; skipped while the circuit is open. */
  writeBack(key: string, entry: CacheEntry, keep: number, now: number): void | Promise<void> {
    if (this.skips(now)) return;
    const store = this.#s.store;
    return this.attempt(key, () => store.set(key, entry, keep, now), { write: true });
  }

  /**
   * A write a user awaits (`set`, `delete`, ...): bounded, reported (not counted towards the
   * circuit, see `failed`), and rethrown.
   */
  async user(key: string, call: () => unknown): Promise<void> {
    try {
      const result = call();
      if (isThenable(result)) await this.bound(result, key);
      if (this.failures !== 0) this.succeeded();
    } catch (error) {
      this.failed(key, error, true);
      throw error;
    }
  }
}

/**
 * An entry the store holds but cannot read (`DYNO_CACHE_CORRUPT`: `@dyno/cache-redis` raises it
 * for a value written by an earlier format or another serializer). Counted as store failures, a
 * burst of them opened the circuit, which skips the write-backs that would overwrite them.
 */
function unreadable(error: unknown): boolean {
  return hasCode(error, 'DYNO_CACHE_CORRUPT');
}
