import type { CacheEntry } from '@dyno/cache';
import { CorruptEntryError } from '../errors.js';

/** The version tag written with every entry; a value without it is foreign. */
export const FORMAT = 'dyno-cache/1';

interface Stored {
  readonly dyno: typeof FORMAT;
  readonly v?: unknown;
  readonly d: number;
  readonly c: number;
  /** `null` for an entry that never expires (JSON has no Infinity). */
  readonly e: number | null;
  readonly n?: 1;
  readonly x?: { readonly name: string; readonly message: string; readonly code?: unknown };
}

/** The JSON text stored for `entry`. Values must survive `JSON.stringify`. */
export function encode(entry: CacheEntry): string {
  const stored: Stored = {
    dyno: FORMAT,
    v: entry.value,
    d: entry.delta,
    c: entry.created,
    e: Number.isFinite(entry.expiry) ? entry.expiry : null,
    ...(entry.negative ? { n: 1 as const, x: describe(entry.error) } : {}),
  };
  return JSON.stringify(stored);
}

/** The entry in `text`; throws `CorruptEntryError` for anything this package did not write. */
export function decode(key: string, text: string, source: string): CacheEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptEntryError(key, 'not JSON', source, error);
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as Stored).dyno !== FORMAT) {
    throw new CorruptEntryError(key, `no "${FORMAT}" tag`, source);
  }
  const s = parsed as Stored;
  const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
  if (!finite(s.d) || s.d < 0 || !finite(s.c) || !(s.e === null || finite(s.e))) {
    throw new CorruptEntryError(key, 'bad times', source);
  }
  const expiry = s.e ?? Number.POSITIVE_INFINITY;
  if (s.n === 1) {
    return {
      value: undefined,
      delta: s.d,
      created: s.c,
      expiry,
      negative: true,
      error: revive(s.x),
    };
  }
  return { value: s.v, delta: s.d, created: s.c, expiry };
}

function describe(error: unknown): Stored['x'] {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
  }
  return { name: 'Error', message: String(error) };
}

function revive(x: Stored['x']): Error {
  const error = new Error(typeof x?.message === 'string' ? x.message : 'cached failure');
  if (typeof x?.name === 'string') error.name = x.name;
  if (x?.code !== undefined)
    Object.defineProperty(error, 'code', { value: x.code, enumerable: true });
  return error;
}
