import type { StoreLease } from '@dyno/cache';
import { abortReason, type Clock, sleep } from '@dyno/core';
import type { Redis } from 'ioredis';
import type { Guard } from './guard.js';
import { ACQUIRE, RELEASE, RENEW } from './scripts.js';

/** What the lease needs from its store. */
export interface LeaseSettings {
  readonly client: Redis;
  readonly guard: Guard;
  readonly clock: Clock;
  readonly ttl: number;
  readonly retry: number;
  /** The Redis key of the lease on a cache key. */
  readonly keyOf: (key: string) => string;
}

/**
 * The cross-process lease of a `RedisStore`: `SET NX PX` with a random token; released and
 * renewed by scripts that act only while the token still holds it; waited on by looking at the
 * lease key itself (its time left), so a waiter learns at once that a holder gave up or crashed.
 */
export function redisLease(s: LeaseSettings): StoreLease {
  const { client, guard, clock, ttl, retry, keyOf } = s;
  const lease: StoreLease = {
    ttl,
    retry,
    async acquire(key: string): Promise<string | undefined> {
      const token = globalThis.crypto.randomUUID();
      // `SET NX PX`, taking over a key there without an expiry (garbage: see ACQUIRE)
      const ok = await guard.run(() => client.eval(ACQUIRE, 1, keyOf(key), token, ttl));
      return ok === 1 ? token : undefined;
    },
    async release(key: string, token: string): Promise<void> {
      await guard.run(() => client.eval(RELEASE, 1, keyOf(key), token));
    },
    async renew(key: string, token: string): Promise<boolean> {
      const renewed = await guard.run(() => client.eval(RENEW, 1, keyOf(key), token, ttl));
      return renewed === 1;
    },
    /**
     * Resolves `true` as soon as nobody holds the lease on `key` (released, or run out), `false`
     * after `ms`; rejects with the signal's reason when it aborts. A failed look ends the wait at
     * once (`false`): the cache then reads the store and decides.
     */
    async wait(key: string, ms: number, signal: AbortSignal): Promise<boolean> {
      const deadline = clock.now() + ms;
      for (;;) {
        if (signal.aborted) throw abortReason(signal);
        let left: number;
        try {
          left = await guard.run(() => client.pttl(keyOf(key)));
        } catch {
          return false;
        }
        // -2: no lease; -1: a lease without expiry (never written by us): do not wait on it
        if (left < 0) return true;
        const remaining = deadline - clock.now();
        if (remaining <= 0) return false;
        await sleep(Math.min(retry, left, remaining), { signal, clock });
      }
    },
  };
  return Object.freeze(lease);
}
