import { type Clock, isThenable, sleep } from '@dyno/core';
import type { CacheEntry, CacheStore, StoreLease } from '../entry.js';
import type { StoreGuard } from './store-guard.js';

type OnError = (key: string, error: unknown) => void;

/**
 * Takes the lease: resolves its token, `false` when another process holds it, or `undefined`
 * when the store failed (then this process loads anyway: an outage must not stop loads).
 */
async function acquire(
  guard: StoreGuard,
  lease: StoreLease,
  key: string,
  budget?: number,
): Promise<string | false | undefined> {
  const token = await guard.attempt(key, () => lease.acquire(key), null, budget);
  if (token === null) return undefined;
  return token === undefined ? false : token;
}

/** Gives the lease back without making anyone wait for it. */
export function release(lease: StoreLease, key: string, token: string, onError: OnError): void {
  try {
    const done = lease.release(key, token);
    if (isThenable(done)) Promise.resolve(done).catch((e: unknown) => onError(key, e));
  } catch (error) {
    onError(key, error);
  }
}

/**
 * Renews the lease every `ttl / 2` ms while a load runs; `stop()` ends that and answers whether
 * the lease was still held at the last renewal. Without `renew`, a lease is assumed held.
 */
export function keepLease(
  lease: StoreLease,
  key: string,
  token: string,
  clock: Clock,
  onError: OnError,
): () => boolean {
  const renew = lease.renew;
  if (renew === undefined) return () => true;
  let held = true;
  let timer: unknown;
  const tick = (): void => {
    timer = clock.setTimeout(() => {
      let answer: boolean | PromiseLike<boolean>;
      try {
        answer = renew.call(lease, key, token);
      } catch (error) {
        onError(key, error);
        return tick();
      }
      Promise.resolve(answer).then(
        (still) => {
          if (still === false) held = false;
          else if (timer !== undefined) tick();
        },
        (error: unknown) => {
          onError(key, error);
          if (timer !== undefined) tick();
        },
      );
    }, lease.ttl / 2);
  };
  tick();
  return () => {
    clock.clearTimeout(timer);
    timer = undefined;
    return held;
  };
}

/** What to do after the lease step: load and then release `token`, or serve `serve` instead. */
export interface LeaseStep {
  readonly token?: string | undefined;
  readonly serve?: CacheEntry | undefined;
}

const LOAD: LeaseStep = Object.freeze({});

const fresh = (entry: CacheEntry | undefined | null, now: number): entry is CacheEntry =>
  entry != null && !entry.negative && now < entry.expiry;

/**
 * With nothing to serve while another process holds the lease: until the lease has had time to
 * run out, waits (`lease.wait`, else `retry` ms), then serves the holder's value if it is there,
 * else tries the lease again, so that when the holder failed or crashed exactly one waiter (the
 * one whose `acquire` wins) takes over. A lease still held when that time is up belongs to such
 * a waiter (or to a holder that renews it): the wait goes on for one more lease, then loads.
 */
async function awaitHolder(
  store: CacheStore,
  lease: StoreLease,
  key: string,
  clock: Clock,
  signal: AbortSignal,
  guard: StoreGuard,
): Promise<LeaseStep> {
  let deadline = clock.now() + lease.ttl;
  let extended = false;
  while (clock.now() < deadline) {
    const ms = Math.min(lease.retry, deadline - clock.now());
    if (lease.wait !== undefined) await lease.wait(key, ms, signal);
    else await sleep(ms, { signal, clock });
    if (signal.aborted) throw signal.reason;
    const entry = await guard.attempt<CacheEntry | undefined | null>(
      key,
      () => store.get(key, clock.now()),
      null,
    );
    // a store that fails now will not deliver the holder's value: load instead of waiting on
    if (entry === null) return LOAD;
    if (fresh(entry, clock.now())) return { serve: entry };
    const taken = await acquire(guard, lease, key);
    if (taken === undefined) return LOAD;
    if (taken !== false) return { token: taken };
    if (!extended && clock.now() >= deadline) {
      extended = true;
      deadline = clock.now() + lease.ttl;
    }
  }
  return LOAD;
}

/**
 * The lease step before a load. Without the lease, a background refresh keeps serving `usable`
 * and a caller with nothing waits for the holder's value (or takes over its lease). With it, the
 * store is read once more: a value written by another process between our read and our lease is
 * not recomputed again. Store calls share one budget: `deadline` on the clock.
 */
export async function takeLease(
  store: CacheStore,
  lease: StoreLease,
  key: string,
  usable: CacheEntry | undefined,
  background: boolean,
  clock: Clock,
  signal: AbortSignal,
  guard: StoreGuard,
  deadline: number,
): Promise<LeaseStep> {
  const taken = await acquire(guard, lease, key, deadline - clock.now());
  if (taken === false) {
    if (background && usable !== undefined) return { serve: usable };
    return awaitHolder(store, lease, key, clock, signal, guard);
  }
  if (taken === undefined) return LOAD;
  const current = await guard.attempt(
    key,
    () => store.get(key, clock.now()),
    undefined,
    deadline - clock.now(),
  );
  if (fresh(current, clock.now()) && (usable === undefined || current.created !== usable.created)) {
    release(lease, key, taken, (k, e) => guard.failed(k, e));
    return { serve: current };
  }
  return { token: taken };
}
