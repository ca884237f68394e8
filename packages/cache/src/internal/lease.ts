import { type Clock, isThenable, sleep } from '@dyno/core';
import type { CacheEntry, CacheStore, StoreLease } from '../entry.js';
import { CacheTimeoutError } from '../errors.js';
import type { StoreGuard } from './store-guard.js';

/** One load's business with the store's cross-process lease on its key. */
export interface LeaseRequest {
  readonly store: CacheStore;
  readonly lease: StoreLease;
  readonly guard: StoreGuard;
  readonly clock: Clock;
  readonly key: string;
  /** The value the key still has (not a negative entry), if any. */
  readonly usable: CacheEntry | undefined;
  /** A background refresh: without the lease it keeps serving `usable` instead of waiting. */
  readonly background: boolean;
  /**
   * A value in the store is served instead of loading only if written after this time (a
   * `forceRefresh` load's start: what the store held then is what it skips), on the clock.
   */
  readonly newerThan: number;
  readonly signal: AbortSignal;
  /** The end of the `get`'s store budget, on the clock: the lease step's store calls share it. */
  readonly deadline: number;
}

/** What to do after the lease step: load (holding `held`, when taken), or serve `serve` instead. */
export type LeaseStep =
  | { readonly serve: CacheEntry; readonly held?: undefined }
  | { readonly serve?: undefined; readonly held: HeldLease | undefined };

/** Load without the lease (the store failed, or the wait for the holder ran out). */
const LOAD: LeaseStep = Object.freeze({ held: undefined });

/** A store call that failed, told apart from an answer of `undefined`. */
const FAILED: unique symbol = Symbol('the store failed');

/**
 * A lease this process took for one load: renewed every `ttl / 2` ms (when the store can renew)
 * until `stopRenewing`, then given back by `release`.
 */
export class HeldLease {
  readonly #r: LeaseRequest;
  readonly #token: string;
  #held = true;
  #timer: unknown;
  #renewing: boolean;

  /** Starts renewing the lease `token` holds. */
  constructor(request: LeaseRequest, token: string) {
    this.#r = request;
    this.#token = token;
    this.#renewing = request.lease.renew !== undefined;
    if (this.#renewing) this.#renewLater();
  }

  /**
   * Stops renewing and answers whether the lease was still held at the last renewal (a store
   * without `renew` is assumed to keep it). Calling it again answers the same.
   */
  stopRenewing(): boolean {
    if (this.#renewing) {
      this.#renewing = false;
      this.#r.clock.clearTimeout(this.#timer);
    }
    return this.#held;
  }

  /** Gives the lease back without making anyone wait for it. */
  release(): void {
    release(this.#r, this.#token);
  }

  #renewLater(): void {
    const { lease, clock } = this.#r;
    this.#timer = clock.setTimeout(() => this.#renew(), lease.ttl / 2);
  }

  #renew(): void {
    const { lease, key, guard } = this.#r;
    let answer: boolean | PromiseLike<boolean>;
    try {
      answer = (lease.renew as NonNullable<StoreLease['renew']>).call(lease, key, this.#token);
    } catch (error) {
      guard.failed(key, error, true);
      this.#renewLater();
      return;
    }
    Promise.resolve(answer).then(
      (still) => {
        if (still === false) this.#held = false;
        else if (this.#renewing) this.#renewLater();
      },
      (error: unknown) => {
        guard.failed(key, error, true);
        if (this.#renewing) this.#renewLater();
      },
    );
  }
}

/**
 * The lease step before a load. Without the lease, a background refresh keeps serving `usable`
 * and a caller with nothing waits for the holder's value (or takes over its lease). With it, the
 * store is read once more: a value written by another process between our read and our lease is
 * not recomputed again. Store calls share one budget, up to `deadline`.
 */
export async function takeLease(r: LeaseRequest): Promise<LeaseStep> {
  const { guard, clock, store, key, usable } = r;
  const taken = await acquire(r, r.deadline - clock.now());
  if (taken === 'held by another') {
    if (r.background && usable !== undefined) return { serve: usable };
    return awaitHolder(r);
  }
  if (taken === 'store failed') return LOAD;
  const current = await guard.attempt(key, () => store.get(key, clock.now()), {
    budget: r.deadline - clock.now(),
  });
  // `created` tells a value written since `usable` (by another process) from `usable` itself
  if (
    fresh(current, clock.now(), r.newerThan) &&
    (usable === undefined || current.created !== usable.created)
  ) {
    release(r, taken.token);
    return { serve: current };
  }
  return { held: new HeldLease(r, taken.token) };
}

/**
 * Takes the lease: its token, `'held by another'` when another process holds it, or
 * `'store failed'` (then this process loads anyway: an outage must not stop loads).
 */
async function acquire(
  r: LeaseRequest,
  budget?: number,
): Promise<{ readonly token: string } | 'held by another' | 'store failed'> {
  const { guard, lease, key } = r;
  const token = await guard.attempt<string | undefined, typeof FAILED>(
    key,
    () => lease.acquire(key),
    // a write: a store that refuses it (out of memory) may still answer reads
    { fallback: FAILED, budget, write: true },
  );
  if (token === FAILED) return 'store failed';
  if (token === undefined) return 'held by another';
  return { token };
}

/** Gives the lease `token` holds back without making anyone wait for it. */
function release(r: LeaseRequest, token: string): void {
  const { lease, key, guard } = r;
  try {
    const done = lease.release(key, token);
    if (isThenable(done)) Promise.resolve(done).catch((e: unknown) => guard.failed(key, e, true));
  } catch (error) {
    guard.failed(key, error, true);
  }
}

/**
 * With nothing to serve while another process holds the lease: until the lease has had time to
 * run out, waits (`lease.wait`, else `retry` ms), then serves the holder's value if it is there,
 * else tries the lease again, so that when the holder failed or crashed exactly one waiter (the
 * one whose `acquire` wins) takes over. A lease still held when that time is up belongs to such
 * a waiter (or to a holder that renews it): the wait goes on for one more lease, then loads.
 */
async function awaitHolder(r: LeaseRequest): Promise<LeaseStep> {
  const { store, lease, key, clock, signal, guard } = r;
  let deadline = clock.now() + lease.ttl;
  let extended = false;
  while (clock.now() < deadline) {
    const ms = Math.min(lease.retry, deadline - clock.now());
    if (lease.wait === undefined) await sleep(ms, { signal, clock });
    else if ((await waitOnce(r, lease.wait, ms)) === FAILED && !signal.aborted) return LOAD;
    if (signal.aborted) throw signal.reason;
    const entry = await guard.attempt<CacheEntry | undefined, typeof FAILED>(
      key,
      () => store.get(key, clock.now()),
      { fallback: FAILED },
    );
    // a store that fails now will not deliver the holder's value: load instead of waiting on
    if (entry === FAILED) return LOAD;
    if (fresh(entry, clock.now(), r.newerThan)) return { serve: entry };
    const taken = await acquire(r);
    if (taken === 'store failed') return LOAD;
    if (taken !== 'held by another') return { held: new HeldLease(r, taken.token) };
    if (!extended && clock.now() >= deadline) {
      extended = true;
      deadline = clock.now() + lease.ttl;
    }
  }
  return LOAD;
}

/**
 * One `lease.wait` of up to `ms`. A wait that has not settled by `ms` plus `storeTimeout` (it
 * hangs and ignores its signal, or the process is slow) is over, as a wait that ran its course:
 * the loop looks at the store again, and the lease's ttl still bounds the whole wait. Being slow
 * is no failure (counted as one, a loaded process would open the store circuit and load while
 * the holder is about to deliver). A throw or a rejection that is not the caller's abort is a
 * store failure: reported, counted, and answered `FAILED` (the caller then loads), never the
 * callers' error.
 */
async function waitOnce(
  r: LeaseRequest,
  wait: NonNullable<StoreLease['wait']>,
  ms: number,
): Promise<typeof FAILED | undefined> {
  const { guard, lease, key, signal } = r;
  try {
    await guard.bound(Promise.resolve(wait.call(lease, key, ms, signal)), key, ms + guard.timeout);
  } catch (error) {
    // past its bound (hung or late), or ended by the caller's abort: over, not failed
    if (signal.aborted || error instanceof CacheTimeoutError) return undefined;
    guard.failed(key, error);
    return FAILED;
  }
  return undefined;
}

function fresh(entry: CacheEntry | undefined, now: number, newerThan: number): entry is CacheEntry {
  // `null`: a store that answers a miss with it, as Redis's GET does
  if (entry === undefined || entry === null || entry.negative) return false;
  return now < entry.expiry && !(entry.created <= newerThan);
}
