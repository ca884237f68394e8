import type { CacheEntry } from '@dyno/cache';
import { CorruptEntryError, UnserializableValueError } from '../errors.js';
import type { Serializer } from '../serializer.js';

/**
 * The version line every entry starts with; a value without it is foreign. Version 2 frames the
 * serializer's bytes: `dyno-cache/2\n<JSON header>\n<value bytes>`.
 */
export const FORMAT = 'dyno-cache/2';
const MAGIC = Buffer.from(`${FORMAT}\n`);
const NEWLINE = 0x0a;

/** How a store frames its entries: the values' serializer, and its own name for errors. */
export interface Codec {
  readonly serializer: Serializer;
  /** The store's name: the `source` of the errors. */
  readonly source: string;
}

/** The entry's times (and a cached failure's description); the value follows as bytes. */
interface Header {
  readonly d: number;
  readonly c: number;
  /** `null` for an entry that never expires (JSON has no Infinity). */
  readonly e: number | null;
  /** The entry's tags, when it has any. */
  readonly t?: readonly string[];
  readonly n?: 1;
  readonly x?: { readonly name: string; readonly message: string; readonly code?: unknown };
}

/**
 * The bytes stored for `entry`. A value the serializer refuses throws here, at write time
 * (`UnserializableValueError` from the default serializer, named after the store `source`).
 */
export function encode(entry: CacheEntry, { serializer, source }: Codec): Buffer {
  const header: Header = {
    d: entry.delta,
    c: entry.created,
    e: Number.isFinite(entry.expiry) ? entry.expiry : null,
    ...(entry.tags !== undefined && entry.tags.length > 0 ? { t: entry.tags } : {}),
    ...(entry.negative ? { n: 1 as const, x: describe(entry.error) } : {}),
  };
  let payload: Uint8Array | string = '';
  if (!entry.negative) {
    try {
      payload = serializer.serialize(entry.value);
    } catch (error) {
      if (!UnserializableValueError.isInstance(error)) throw error;
      const e = error as UnserializableValueError;
      throw new UnserializableValueError(e.path, e.kind, source);
    }
  }
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([MAGIC, Buffer.from(`${JSON.stringify(header)}\n`), bytes]);
}

/** The entry in `data`; throws `CorruptEntryError` for anything this package did not write. */
export function decode(key: string, data: Buffer, { serializer, source }: Codec): CacheEntry {
  if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CorruptEntryError(key, `no "${FORMAT}" tag`, source);
  }
  const end = data.indexOf(NEWLINE, MAGIC.length);
  let header: Header;
  try {
    header = JSON.parse(data.toString('utf8', MAGIC.length, end < 0 ? undefined : end)) as Header;
  } catch (error) {
    throw new CorruptEntryError(key, 'a header that is not JSON', source, error);
  }
  const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
  if (
    end < 0 ||
    typeof header !== 'object' ||
    header === null ||
    !finite(header.d) ||
    header.d < 0 ||
    !finite(header.c) ||
    !(header.e === null || finite(header.e))
  ) {
    throw new CorruptEntryError(key, 'bad times', source);
  }
  const tags = header.t;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    throw new CorruptEntryError(key, 'bad tags', source);
  }
  const times = {
    delta: header.d,
    created: header.c,
    expiry: header.e ?? Number.POSITIVE_INFINITY,
    ...(tags === undefined ? {} : { tags }),
  };
  if (header.n === 1)
    return { ...times, value: undefined, negative: true, error: revive(header.x) };
  let value: unknown;
  try {
    value = serializer.deserialize(data.subarray(end + 1));
  } catch (error) {
    throw new CorruptEntryError(key, 'a value the serializer cannot read', source, error);
  }
  return { ...times, value };
}

function describe(error: unknown): Header['x'] {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
  }
  return { name: 'Error', message: String(error) };
}

function revive(x: Header['x']): Error {
  const error = new Error(typeof x?.message === 'string' ? x.message : 'cached failure');
  if (typeof x?.name === 'string') error.name = x.name;
  if (x?.code !== undefined)
    Object.defineProperty(error, 'code', { value: x.code, enumerable: true });
  return error;
}
