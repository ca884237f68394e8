import { CorruptEntryError, StoreUnavailableError } from '../errors.js';
import { decode, encode, FORMAT } from './codec.js';

const base = { value: 1, delta: 5, created: 10, expiry: 20 };

describe('the Redis entry codec', () => {
  it('round-trips a value entry, an entry that never expires, and its version tag', () => {
    expect(decode('k', encode(base), 's')).toEqual(base);
    const forever = { ...base, expiry: Number.POSITIVE_INFINITY };
    const text = encode(forever);
    expect(JSON.parse(text)).toMatchObject({ dyno: FORMAT, e: null });
    expect(decode('k', text, 's').expiry).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps the name, message and code of a cached failure', () => {
    const error = Object.assign(new TypeError('no such user'), { code: 'E_USER' });
    const entry = decode('k', encode({ ...base, negative: true, error }), 's');
    expect(entry.negative).toBe(true);
    expect(entry.error).toBeInstanceOf(Error);
    expect((entry.error as Error).name).toBe('TypeError');
    expect((entry.error as Error).message).toBe('no such user');
    expect((entry.error as { code?: unknown }).code).toBe('E_USER');
  });

  it('describes a non-Error failure by its text and leaves out a missing code', () => {
    const entry = decode('k', encode({ ...base, negative: true, error: 'plain string' }), 's');
    expect((entry.error as Error).name).toBe('Error');
    expect((entry.error as Error).message).toBe('plain string');
    expect('code' in (entry.error as object)).toBe(false);
  });

  it('revives a stored failure with a missing name or message', () => {
    const text = JSON.stringify({ dyno: FORMAT, d: 1, c: 1, e: 2, n: 1, x: {} });
    const entry = decode('k', text, 's');
    expect((entry.error as Error).message).toBe('cached failure');
    expect((entry.error as Error).name).toBe('Error');
  });

  it.each([
    ['not JSON', '{'],
    ['no tag', JSON.stringify({ v: 1 })],
    ['null', 'null'],
    ['negative delta', JSON.stringify({ dyno: FORMAT, d: -1, c: 1, e: 2 })],
    ['bad expiry', JSON.stringify({ dyno: FORMAT, d: 1, c: 1, e: 'x' })],
    ['bad created', JSON.stringify({ dyno: FORMAT, d: 1, c: null, e: 2 })],
  ])('rejects %s as a CorruptEntryError naming the key', (_, text) => {
    let thrown: unknown;
    try {
      decode('the-key', text, 'store');
    } catch (error) {
      thrown = error;
    }
    expect(CorruptEntryError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toContain('the-key');
    expect((thrown as CorruptEntryError).source).toBe('store');
  });

  it('tells its two errors apart by code', () => {
    const unavailable = new StoreUnavailableError('down', 's');
    expect(StoreUnavailableError.isInstance(unavailable)).toBe(true);
    expect(CorruptEntryError.isInstance(unavailable)).toBe(false);
    expect(unavailable.message).toBe('@dyno/cache-redis: down');
  });
});
