import { type Clock, isThenable, sleep } from '@dyno/core';
import type { CacheEntry, CacheStore, StoreLease } from '../entry.js';

type OnError = (key: string, error: unknown) => void;

/**
 * Takes the lease: resolves its token, `false` when another process holds it, or `undefined`
 * when the store failed (then this process loads anyway: an outage must not stop loads).
 */
async function acquire(
  lease: StoreLease,
  key: string,
  onError: OnError,
): Promise<string | false | undefined> {
  try {
    const token = await lease.acquire(key);
    return token === undefined ? false : token;
  } catch (error) {
    onError(key, error);
    return undefined;
  }
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
 * With nothing to serve while another process holds the lease: looks again every `retry` ms for
 * the holder's value, until one is fresh or the lease has had time to run out.
 */
async function awaitHolder(
  store: CacheStore,
  lease: StoreLease,
  key: string,
  clock: Clock,
  signal: AbortSignal,
  onError: OnError,
): Promise<CacheEntry | undefined> {
  const deadline = clock.now() + lease.ttl;
  while (clock.now() < deadline) {
    await sleep(Math.min(lease.retry, deadline - clock.now()), { signal, clock });
    let entry: CacheEntry | undefined;
    try {
      entry = await store.get(key);
    } catch (error) {
      onError(key, error);
      return undefined;
    }
    if (entry !== undefined && !entry.negative && clock.now() < entry.expiry) return entry;
  }
  return undefined;
}

/** What to do after the lease step: load and then release `token`, or serve `serve` instead. */
export interface LeaseStep {
  readonly token?: string | undefined;
  readonly serve?: CacheEntry | undefined;
}

const LOAD: LeaseStep = Object.freeze({});

/**
 * The lease step before a load. Without the lease, a background refresh keeps serving `usable`
 * and a caller with nothing waits for the holder's value. With it, the store is read once more:
 * a value written by another process between our read and our lease is not recomputed again.
 */
export async function takeLease(
  store: CacheStore,
  lease: StoreLease,
  key: string,
  usable: CacheEntry | undefined,
  background: boolean,
  clock: Clock,
  signal: AbortSignal,
  onError: OnError,
): Promise<LeaseStep> {
  const taken = await acquire(lease, key, onError);
  if (taken === false) {
    if (background && usable !== undefined) return { serve: usable };
    const theirs = await awaitHolder(store, lease, key, clock, signal, onError);
    return theirs === undefined ? LOAD : { serve: theirs };
  }
  if (taken === undefined) return LOAD;
  let current: CacheEntry | undefined;
  try {
    current = await store.get(key);
  } catch (error) {
    onError(key, error);
  }
  if (
    current !== undefined &&
    !current.negative &&
    clock.now() < current.expiry &&
    (usable === undefined || current.created !== usable.created)
  ) {
    release(lease, key, taken, onError);
    return { serve: current };
  }
  return { token: taken };
}
