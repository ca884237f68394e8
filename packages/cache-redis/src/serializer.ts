import { deserialize, serialize } from 'node:v8';
import { checkValue } from './internal/check-value.js';

/**
 * Turns a cached value into bytes for Redis and back. The store frames the bytes with the
 * entry's times, so a serializer sees values only (never a cached failure).
 */
export interface Serializer {
  /** The bytes (or text, stored as UTF-8) for `value`; throw to refuse it. */
  serialize(value: unknown): Uint8Array | string;
  /** The value back from what `serialize` produced; throw when `data` is not yours. */
  deserialize(data: Buffer): unknown;
}

/**
 * The default serializer: Node's structured clone format (`node:v8`), which restores `Date`,
 * `Map`, `Set`, `RegExp`, `NaN`, `-0`, `Infinity`, `BigInt`, `undefined` (and array holes),
 * typed arrays, `Buffer`, boxed primitives, built-in errors, cycles and shared references as
 * they went in. It refuses at write time, with `UnserializableValueError` naming the path and
 * the type, what would come back different: functions, symbols, instances of your own classes,
 * null-prototype objects, objects with symbol keys, errors with extra own properties, and own
 * fields on a `Date`, `Map`, `Set`, `RegExp` or boxed primitive. Own fields on a typed array or
 * a `Buffer` are dropped unchecked (finding them would mean listing every byte).
 */
export const structuredSerializer: Serializer = Object.freeze({
  serialize(value: unknown): Uint8Array {
    checkValue(value);
    return serialize(value);
  },
  deserialize(data: Buffer): unknown {
    return deserialize(data);
  },
});
