import { CorruptEntryError, StoreUnavailableError, UnserializableValueError } from '../errors.js';
import { type Serializer, structuredSerializer } from '../serializer.js';
import { decode, encode, FORMAT } from './codec.js';

const codec = (serializer: Serializer, source: string) => ({ serializer, source });

const base = { value: 1, delta: 5, created: 10, expiry: 20 };
const s = structuredSerializer;
const frame = (header: string, payload = '') => Buffer.from(`${FORMAT}\n${header}\n${payload}`);

describe('the Redis entry codec', () => {
  it('round-trips a value entry, an entry that never expires, tags, and its version line', () => {
    expect(decode('k', encode(base, codec(s, 'x')), codec(s, 'x'))).toEqual(base);
    const forever = { ...base, expiry: Number.POSITIVE_INFINITY, tags: ['a', 'b'] };
    const data = encode(forever, codec(s, 'x'));
    expect(
      data.toString('latin1').startsWith(`${FORMAT}\n{"d":5,"c":10,"e":null,"t":["a","b"]}\n`),
    ).toBe(true);
    expect(decode('k', data, codec(s, 'x'))).toEqual(forever);
    expect('tags' in decode('k', encode({ ...base, tags: [] }, codec(s, 'x')), codec(s, 'x'))).toBe(
      false,
    );
  });

  it('keeps the name, message and code of a cached failure, without asking the serializer', () => {
    const error = Object.assign(new TypeError('no such user'), { code: 'E_USER' });
    const refusing: Serializer = {
      serialize: () => {
        throw new Error('not called');
      },
      deserialize: () => {
        throw new Error('not called');
      },
    };
    const entry = decode(
      'k',
      encode({ ...base, negative: true, error }, codec(refusing, 'x')),
      codec(refusing, 'x'),
    );
    expect(entry.negative).toBe(true);
    expect(entry.error).toBeInstanceOf(Error);
    expect((entry.error as Error).name).toBe('TypeError');
    expect((entry.error as Error).message).toBe('no such user');
    expect((entry.error as { code?: unknown }).code).toBe('E_USER');
  });

  it('describes a non-Error failure by its text and leaves out a missing code', () => {
    const entry = decode(
      'k',
      encode({ ...base, negative: true, error: 'plain' }, codec(s, 'x')),
      codec(s, 'x'),
    );
    expect((entry.error as Error).name).toBe('Error');
    expect((entry.error as Error).message).toBe('plain');
    expect('code' in (entry.error as object)).toBe(false);
  });

  it('revives a stored failure with a missing name or message', () => {
    const entry = decode(
      'k',
      frame(JSON.stringify({ d: 1, c: 1, e: 2, n: 1, x: {} })),
      codec(s, 'x'),
    );
    expect((entry.error as Error).message).toBe('cached failure');
    expect((entry.error as Error).name).toBe('Error');
  });

  it('stores a text serializer as UTF-8 and gives it the bytes back', () => {
    const json: Serializer = {
      serialize: (v) => JSON.stringify(v),
      deserialize: (data) => JSON.parse(data.toString('utf8')),
    };
    const entry = { ...base, value: { name: 'Zoë ✓' } };
    expect(decode('k', encode(entry, codec(json, 'x')), codec(json, 'x'))).toEqual(entry);
  });

  it('names the store in a refusal of the default serializer, and passes other errors through', () => {
    let thrown: unknown;
    try {
      encode({ ...base, value: { f: () => 1 } }, codec(s, 'the-store'));
    } catch (error) {
      thrown = error;
    }
    expect(UnserializableValueError.isInstance(thrown)).toBe(true);
    expect((thrown as UnserializableValueError).source).toBe('the-store');
    expect((thrown as Error).message).toBe(
      '@dyno/cache-redis: cannot store a function at `value.f`: it would not come back as it went in (use plain data, or pass a `serializer`)',
    );
    const mine = new Error('mine');
    const throwing: Serializer = {
      serialize: () => {
        throw mine;
      },
      deserialize: () => 1,
    };
    expect(() => encode(base, codec(throwing, 'x'))).toThrow(mine);
  });

  it.each([
    ['no version line', Buffer.from('{"v":1}')],
    [
      'the old JSON format',
      Buffer.from(JSON.stringify({ dyno: 'dyno-cache/1', v: 1, d: 1, c: 1, e: 2 })),
    ],
    ['a short value', Buffer.from('dyno')],
    ['no end of header', Buffer.from(`${FORMAT}\n{"d":1,"c":1,"e":2}`)],
    ['a header that is not JSON', frame('{')],
    ['a null header', frame('null')],
    ['negative delta', frame(JSON.stringify({ d: -1, c: 1, e: 2 }))],
    ['bad expiry', frame(JSON.stringify({ d: 1, c: 1, e: 'x' }))],
    ['bad created', frame(JSON.stringify({ d: 1, c: null, e: 2 }))],
    ['bad tags', frame(JSON.stringify({ d: 1, c: 1, e: 2, t: [1] }))],
    ['tags that are no array', frame(JSON.stringify({ d: 1, c: 1, e: 2, t: 'a' }))],
    ['a value the serializer cannot read', frame(JSON.stringify({ d: 1, c: 1, e: 2 }), 'zz')],
  ])('rejects %s as a CorruptEntryError naming the key', (_, data) => {
    let thrown: unknown;
    try {
      decode('the-key', data, codec(s, 'store'));
    } catch (error) {
      thrown = error;
    }
    expect(CorruptEntryError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toContain('the-key');
    expect((thrown as CorruptEntryError).source).toBe('store');
  });

  it('tells its errors apart by code', () => {
    const unavailable = new StoreUnavailableError('down', 's');
    expect(StoreUnavailableError.isInstance(unavailable)).toBe(true);
    expect(CorruptEntryError.isInstance(unavailable)).toBe(false);
    expect(UnserializableValueError.isInstance(unavailable)).toBe(false);
    expect(unavailable.message).toBe('@dyno/cache-redis: down');
  });
});
