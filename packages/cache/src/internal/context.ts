import { check, format, is, type Rule } from '@dyno/core';
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
