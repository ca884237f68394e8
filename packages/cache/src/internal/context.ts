import { check, format, is, isThenable, type Rule } from '@dyno/core';
import type { LoaderContext } from '../loader.js';

const PKG = '@dyno/cache';
const TTL: Rule = is.either(is.duration(0, true), is.oneOf(Number.POSITIVE_INFINITY));

/** Checks entry tags: an array of non-empty strings. */
export function checkTags(what: string, tags: unknown): readonly string[] {
  if (!Array.isArray(tags)) {
    throw new TypeError(
      `${PKG}: \`${what}\` must be an array of strings; received ${format(tags)}`,
    );
  }
  for (const tag of tags) check(PKG, `${what}[]`, tag, is.string);
  return Object.freeze([...tags]) as readonly string[];
}

/**
 * The error for a key that is not a string: a store may keep `1` and `'1'` (or any two objects)
 * apart, as a `Map` does, or turn them into one Redis key.
 */
export function notAKey(key: unknown): TypeError {
  return new TypeError(`${PKG}: \`key\` must be a string; received ${format(key)}`);
}

/**
 * Why a `get` that would load must not: a key that is not a string, a loader that is not a
 * function (with `negativeTtl`, its failure would be cached for the key, and its waiters share
 * it), or a signal that is not an `AbortSignal` (the call is refused: its load must not run and
 * store a value for nobody). `undefined` when all are right.
 */
export function refusedLoad(key: unknown, loader: unknown, signal: unknown): TypeError | undefined {
  if (typeof key !== 'string') return notAKey(key);
  if (signal !== undefined && !(signal instanceof AbortSignal)) return notASignal(signal);
  if (typeof loader === 'function') return undefined;
  return new TypeError(`${PKG}: \`loader\` must be a function; received ${format(loader)}`);
}

/** The refusal of a `signal` that is not an `AbortSignal`. */
export function notASignal(signal: unknown): TypeError {
  return new TypeError(`${PKG}: \`signal\` must be an AbortSignal; received ${format(signal)}`);
}

/** Checks a key given to `set`, `delete` or `peek`. */
export function checkKey(key: unknown): void {
  if (typeof key !== 'string') throw notAKey(key);
}

/**
 * Checks a value given to `set`: not a thenable, which `get`'s promise would adopt anew on every
 * hit (a counter's `then` gave two hits two values), where a loader's is adopted once.
 */
export function checkValue(value: unknown): void {
  if (isThenable(value)) {
    throw new TypeError(
      `${PKG}: \`value\` must not be a promise or thenable (a hit would call its \`then\`); await it first`,
    );
  }
}

/** Checks a ttl given at run time (`set`, `setTtl`): `Infinity` means for ever. */
export function checkTtl(what: string, ttl: unknown): number {
  check(PKG, what, ttl, TTL);
  return ttl as number;
}

/** What one load's loader receives, and what it decided about its entry. */
export class LoadContext implements LoaderContext {
  readonly signal: AbortSignal;
  readonly key: string;
  /** The ttl the loader chose, if it chose one. */
  ttl: number | undefined;
  /** The tags the loader chose. */
  tags: readonly string[] | undefined;
  /** True when the loader said its value must not be cached. */
  skip = false;

  constructor(key: string, signal: AbortSignal) {
    this.key = key;
    this.signal = signal;
  }

  setTtl(ms: number): void {
    this.ttl = checkTtl('setTtl(ms)', ms);
  }

  setTags(tags: readonly string[]): void {
    this.tags = checkTags('setTags(tags)', tags);
  }

  noCache(): void {
    this.skip = true;
  }
}
