import { type Clock, resolveOptions, steadyClock, systemClock, validate } from '@dyno/core';
import type { CacheStore } from '../entry.js';
import { MemoryStore } from '../memory-store.js';
import {
  CACHE_RULES,
  type CacheOptions,
  DEFAULT_CACHE_OPTIONS,
  STORE_CIRCUIT_RULES,
  type StoreCircuitOptions,
} from '../options.js';
import type { RefreshPolicy } from '../refresh.js';

const PKG = '@dyno/cache';
const NONE = Number.POSITIVE_INFINITY;

/** A cache's options, validated, with every default filled in and "none" as `Infinity`. */
export interface CacheSettings {
  readonly name: string | undefined;
  readonly store: CacheStore;
  readonly clock: Clock;
  readonly random: () => number;
  readonly ttl: number;
  readonly refresh: RefreshPolicy | false;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  readonly negativeTtl: number;
  readonly maxStale: number;
  readonly softTimeout: number;
  readonly hardTimeout: number;
  readonly storeTimeout: number;
  readonly circuitFailures: number;
  readonly circuitCooldown: number;
}

/** Validates `options` (nothing is built when it throws) and resolves the defaults. */
export function settingsOf(options: CacheOptions | undefined): CacheSettings {
  const o = resolveOptions(PKG, options, CACHE_RULES, DEFAULT_CACHE_OPTIONS as CacheOptions);
  const store = o.store;
  if (store !== undefined && options?.maxEntries !== undefined) {
    throw new TypeError(`${PKG}: options \`store\` and \`maxEntries\` cannot be used together`);
  }
  if (store?.clock !== undefined && options?.clock !== undefined && options.clock !== store.clock) {
    throw new TypeError(`${PKG}: option \`clock\` differs from the store's clock`);
  }
  const circuit = o.storeCircuit ?? false;
  const given: StoreCircuitOptions =
    circuit === false
      ? {}
      : validate<StoreCircuitOptions>(PKG, circuit, STORE_CIRCUIT_RULES, 'storeCircuit.');
  const swr = o.staleWhileRevalidate ?? 0;
  const sie = o.staleIfError ?? 0;
  // a reading that throws, is no finite number or steps back counts as no time passed: read as
  // it came, a `NaN` made every read a miss (a load per call) and a step back of a day served
  // expired values for a day
  const clock = steadyClock(store?.clock ?? o.clock ?? systemClock, PKG, o.name);
  return {
    name: o.name,
    store: store ?? new MemoryStore({ maxEntries: o.maxEntries, clock }),
    clock,
    random: o.random ?? Math.random,
    ttl: o.ttl ?? NONE,
    refresh: o.refresh ?? false,
    staleWhileRevalidate: swr,
    staleIfError: sie,
    negativeTtl: o.negativeTtl ?? 0,
    maxStale: o.maxStale ?? Math.max(60_000, swr, sie),
    softTimeout: o.softTimeout ?? NONE,
    hardTimeout: o.hardTimeout ?? NONE,
    storeTimeout: o.storeTimeout === false ? NONE : (o.storeTimeout ?? NONE),
    circuitFailures: circuit === false ? NONE : (given.failures ?? 5),
    circuitCooldown: given.cooldown ?? 10_000,
  };
}
