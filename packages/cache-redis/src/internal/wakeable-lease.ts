import type { StoreLease } from '@dyno/cache';
import { abortReason, onAbort } from '@dyno/core';

const WOKEN = Symbol('woken');

/**
 * The Redis lease with waiters woken at once by `release` bus messages (and by releases in
 * this process), instead of at their next look at the lease key. `announce` publishes a release.
 * `undefined` when the Redis store has no lease.
 */
export function wakeableLease(
  base: StoreLease | undefined,
  announce: (key: string) => Promise<void>,
): { lease: StoreLease; wake: (key: string) => void } | undefined {
  if (base === undefined) return undefined;
  const waiters = new Map<string, Set<() => void>>();
  const wake = (key: string): void => {
    const set = waiters.get(key);
    if (set === undefined) return;
    waiters.delete(key);
    for (const w of set) w();
  };
  const lease: StoreLease = Object.freeze({
    ttl: base.ttl,
    retry: base.retry,
    acquire: (key: string) => base.acquire(key),
    renew: base.renew && ((key: string, token: string) => base.renew!(key, token)),
    async release(key: string, token: string): Promise<void> {
      await base.release(key, token);
      wake(key);
      await announce(key);
    },
    wait(key: string, ms: number, signal: AbortSignal): Promise<boolean> {
      if (signal.aborted) return Promise.reject(abortReason(signal));
      const inner = new AbortController();
      const link = onAbort(signal, () => inner.abort(abortReason(signal)));
      const waker = () => inner.abort(WOKEN);
      let set = waiters.get(key);
      if (set === undefined) {
        set = new Set();
        waiters.set(key, set);
      }
      set.add(waker);
      const done = () => {
        link.dispose();
        const current = waiters.get(key);
        current?.delete(waker);
        if (current?.size === 0) waiters.delete(key);
      };
      // a RedisStore's lease always has `wait`
      return base.wait!(key, ms, inner.signal).then(
        (free) => {
          done();
          return free === true;
        },
        (error: unknown) => {
          done();
          if (inner.signal.reason !== WOKEN) throw error;
          return true;
        },
      );
    },
  });
  return { lease, wake };
}
