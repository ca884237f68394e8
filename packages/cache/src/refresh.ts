import { check, is, validate } from '@dyno/core';
import type { CacheEntry } from './entry.js';

/**
 * Decides, on each read of a fresh entry, whether this caller should start an early refresh.
 * `random` returns numbers in [0, 1).
 */
export interface RefreshPolicy {
  /** The policy's name, as it appears in README tables and events. */
  readonly kind: 'xfetch' | 'static' | 'linear' | 'exponential' | (string & {});
  /** True when the read at `now` should refresh `entry` before it expires. */
  shouldRefresh(entry: CacheEntry, now: number, random: () => number): boolean;
}

const PKG = '@dyno/cache';

/** Options of `xfetch`. */
export interface XFetchOptions {
  /**
   * How eager the refresh is: above 1 refreshes earlier, below 1 later.
   * @default 1
   */
  readonly beta?: number | undefined;
}

/**
 * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): refresh when
 * `now - delta * beta * ln(U) >= expiry`, `U` uniform on (0, 1], `delta` the measured recompute
 * time stored with the entry. The chance of a refresh at `r` ms before expiry is
 * `exp(-r / (delta * beta))`, so the refresh lands about one recompute before expiry.
 */
export function xfetch(options?: XFetchOptions): RefreshPolicy {
  const given = validate<XFetchOptions>(PKG, options, { beta: is.number(0, 1e6, true) });
  const beta = given.beta ?? 1;
  return Object.freeze({
    kind: 'xfetch',
    shouldRefresh(entry: CacheEntry, now: number, random: () => number): boolean {
      const delta = entry.delta;
      if (!(delta > 0)) return false;
      // -ln(U) never exceeds -ln(Number.MIN_VALUE) < 745: far from expiry no draw can refresh,
      // so the hit path skips the random draw and the logarithm
      if (entry.expiry - now > delta * beta * 745) return false;
      // 1 - [0, 1) is (0, 1]; a custom random returning 1 would give ln(0) = -Infinity
      const u = 1 - random();
      return now - delta * beta * Math.log(u > 0 ? u : Number.MIN_VALUE) >= entry.expiry;
    },
  });
}

/** Options of `staticRefresh`. */
export interface StaticRefreshOptions {
  /**
   * The chance that a read of a fresh entry refreshes it, whatever its age.
   * @default 0.01
   */
  readonly probability?: number | undefined;
}

/** dyno's static curve: every read of a fresh entry refreshes it with a fixed probability. */
export function staticRefresh(options?: StaticRefreshOptions): RefreshPolicy {
  const given = validate<StaticRefreshOptions>(PKG, options, { probability: is.ratio() });
  const p = given.probability ?? 0.01;
  return curve('static', () => p);
}

/** dyno's linear curve: a read refreshes with probability `age / ttl`. */
export function linearRefresh(): RefreshPolicy {
  return curve('linear', (x) => x);
}

/** Options of `exponentialRefresh`. */
export interface ExponentialRefreshOptions {
  /**
   * The power the age ratio is raised to: higher waits longer before refreshing.
   * @default 2
   */
  readonly exponent?: number | undefined;
}

/** dyno's exponential curve: a read refreshes with probability `(age / ttl) ^ exponent`. */
export function exponentialRefresh(options?: ExponentialRefreshOptions): RefreshPolicy {
  const given = validate<ExponentialRefreshOptions>(PKG, options, {
    exponent: is.number(0, 1000, true),
  });
  const exponent = given.exponent ?? 2;
  check(PKG, 'exponent', exponent, is.number(0, 1000, true));
  return curve('exponential', (x) => x ** exponent);
}

function curve(kind: string, p: (ageRatio: number) => number): RefreshPolicy {
  return Object.freeze({
    kind,
    shouldRefresh(entry: CacheEntry, now: number, random: () => number): boolean {
      const ttl = entry.expiry - entry.created;
      // an entry cached for ever has no age ratio; it is never retired early
      if (!(ttl > 0 && ttl < Number.POSITIVE_INFINITY)) return false;
      const ratio = (now - entry.created) / ttl;
      return random() < p(Math.min(Math.max(ratio, 0), 1));
    },
  });
}
