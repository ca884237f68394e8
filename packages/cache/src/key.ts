import { CacheKeyError } from './errors.js';
import { tagOf } from './internal/class-tag.js';

const functionIds = new WeakMap<object, number>();
// weak, as for functions: a strong map kept every symbol ever given (a fresh `Symbol()` per call
// leaked about 60 bytes each). An unregistered symbol can be a WeakMap key (Node 20); the lib
// this repository types against (ES2022) does not say so yet, hence `object`.
const symbolIds = new WeakMap<object, number>();
let nextId = 1;

/** A number unique to `fn` in this process, the same every time it is asked. */
export function identityOf(fn: object): number {
  let id = functionIds.get(fn);
  if (id === undefined) {
    id = nextId++;
    functionIds.set(fn, id);
  }
  return id;
}

/**
 * A string that is equal for two argument lists exactly when they hold the same values: every
 * argument counts, `1` and `'1'` differ, `undefined` and `null` differ, so do `0` and `-0`,
 * object keys are sorted, `Map` and `Set` contents are compared regardless of order, objects
 * carry their prototype (plain, null-prototype, or a class: by its name, unless another class of
 * that name was seen first), arrays and built-ins their own enumerable fields too, built-ins are
 * encoded by what they hold (a `URL` by its `href`, a `Date` by its time, typed arrays,
 * `ArrayBuffer`s and `Buffer`s by their bytes, boxed primitives by their value, an `Error` by its
 * class, name, message, fields, `cause` and `errors`), and functions and unregistered symbols count by
 * identity. A class instance with a `toJSON()` is encoded by its fields and what `toJSON()`
 * returns. What cannot be read faithfully (a cycle, a `WeakMap`, `WeakSet`, `WeakRef` or
 * `Promise`, a class instance with no readable field and no `toJSON`, such as one with only
 * `#private` fields, an object that inherits from a built-in without being one) throws
 * `CacheKeyError` naming it.
 */
export function stableKey(args: readonly unknown[]): string {
  // the common case of one primitive argument makes no intermediate arrays
  if (args.length === 1) {
    const only = args[0];
    if (typeof only === 'string') return JSON.stringify(only);
    if (typeof only === 'number') return Object.is(only, -0) ? '-0' : `${only}`;
  }
  return `[${items(args, [])}]`;
}

function encode(value: unknown, path: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // `${-0}` is "0", and 1 / x tells them apart
      return Object.is(value, -0) ? '-0' : `${value}`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return encodeSymbol(value);
    case 'function':
      return `Function#${identityOf(value)}`;
    default:
      return value === null ? 'null' : encodeObject(value as object, path);
  }
}

function encodeSymbol(value: symbol): string {
  const registered = Symbol.keyFor(value);
  if (registered !== undefined) return `Symbol.for(${JSON.stringify(registered)})`;
  const weak = value as unknown as object;
  let id = symbolIds.get(weak);
  if (id === undefined) {
    id = nextId++;
    symbolIds.set(weak, id);
  }
  return `Symbol#${id}`;
}

function refuse(what: string): never {
  throw new CacheKeyError(`@dyno/cache: cannot make a key of ${what}`);
}

function encodeObject(value: object, path: object[]): string {
  if (path.includes(value)) refuse('arguments that contain a cycle');
  path.push(value);
  try {
    return encodeContents(value, path);
  } finally {
    path.pop();
  }
}

/**
 * Items of an array as its literal writes them: a hole as nothing (`[, 1]` is not
 * `[undefined, 1]`), and a trailing hole with one more comma (`[1, ,]` is not `[1]`). A loop, not
 * `map`, which would construct a subclass.
 */
function items(list: readonly unknown[], path: object[]): string {
  let out = '';
  const length = list.length;
  for (let i = 0; i < length; i++) {
    if (i > 0) out += ',';
    if (i in list) out += encode(list[i], path);
  }
  return length > 0 && !(length - 1 in list) ? `${out},` : out;
}

/**
 * Calls a built-in's own method on `value`, so that an object that merely inherits from the
 * built-in (`Object.create(Map.prototype)`) is refused rather than read as an empty one.
 */
function brand<T>(value: object, method: (this: unknown) => T, what: string): T {
  try {
    return method.call(value);
  } catch {
    return refuse(`an object that inherits from ${what} without being one`);
  }
}

const getter = (proto: object, key: string) =>
  Object.getOwnPropertyDescriptor(proto, key)?.get as (this: unknown) => unknown;
const bufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedLength =
  typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : 0;

const bytes = (view: ArrayBufferView | ArrayBufferLike, name: string): string => {
  const all = ArrayBuffer.isView(view)
    ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
    : new Uint8Array(view);
  return `${name}(${Buffer.from(all.buffer, all.byteOffset, all.byteLength).toString('base64')})`;
};

/** Built-ins whose contents a key cannot read. */
const OPAQUE: readonly (readonly [string, Function | undefined])[] = [
  ['a Promise', Promise],
  ['a WeakMap', WeakMap],
  ['a WeakSet', WeakSet],
  ['a WeakRef', globalThis.WeakRef],
];

const BOXED = [Number, String, Boolean, BigInt, Symbol] as const;

/** `name` for a subclass of a built-in, nothing for the built-in itself (`[]` is not `Array[]`). */
const subclass = (proto: object | null, builtin: { prototype: unknown }): string =>
  proto === builtin.prototype ? '' : tagOf(proto);

function encodeContents(value: object, path: object[]): string {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype) return `{${fieldsOf(value, path).join(',')}}`;
  if (Array.isArray(value)) {
    return `${subclass(proto, Array)}[${items(value, path)}]${extra(value, path, true)}`;
  }
  const own = () => extra(value, path, false);
  if (value instanceof Date) {
    return `${subclass(proto, Date)}Date(${brand(value, Date.prototype.getTime, 'Date')})${own()}`;
  }
  if (value instanceof RegExp) {
    const source = brand(value, RegExp.prototype.toString, 'RegExp');
    const at = value.lastIndex === 0 ? '' : `,${encode(value.lastIndex, path)}`;
    return `${subclass(proto, RegExp)}RegExp(${JSON.stringify(source)}${at})${own()}`;
  }
  if (value instanceof Map) {
    const pairs = [...brand(value, Map.prototype.entries, 'Map')].map(
      ([k, v]) => `${encode(k, path)}=>${encode(v, path)}`,
    );
    return `${subclass(proto, Map)}Map{${pairs.sort().join(',')}}${own()}`;
  }
  if (value instanceof Set) {
    const all = [...brand(value, Set.prototype.values, 'Set')].map((v) => encode(v, path));
    return `${subclass(proto, Set)}Set{${all.sort().join(',')}}${own()}`;
  }
  // a typed array's or a Buffer's fields are not looked for: `Object.keys` lists every index
  if (ArrayBuffer.isView(value)) return bytes(value, tagOf(proto));
  if (value instanceof ArrayBuffer) {
    brand(value, bufferLength, 'ArrayBuffer');
    return `${bytes(value, tagOf(proto))}${own()}`;
  }
  if (sharedLength !== 0 && value instanceof SharedArrayBuffer) {
    brand(value, sharedLength, 'SharedArrayBuffer');
    return `${bytes(value, tagOf(proto))}${own()}`;
  }
  if (value instanceof URL) {
    const href = brand(value, getter(URL.prototype, 'href'), 'URL');
    return `${subclass(proto, URL)}URL(${JSON.stringify(href)})${own()}`;
  }
  if (value instanceof URLSearchParams) {
    const query = brand(value, URLSearchParams.prototype.toString, 'URLSearchParams');
    return `${subclass(proto, URLSearchParams)}URLSearchParams(${JSON.stringify(query)})${own()}`;
  }
  for (const type of BOXED) {
    if (value instanceof type) {
      const inner = brand(value, type.prototype.valueOf as () => unknown, type.name);
      // a `String` object lists its characters as indices, as an array does
      return `${tagOf(proto)}(${encode(inner, path)})${extra(value, path, type === String)}`;
    }
  }
  for (const [what, type] of OPAQUE) if (type !== undefined && value instanceof type) refuse(what);
  return encodeInstance(value, proto, path);
}

/** An `Error`, a null-prototype object or an instance of a class. */
function encodeInstance(value: object, proto: object | null, path: object[]): string {
  const fields = fieldsOf(value, path).join(',');
  const tag = tagOf(proto);
  if (value instanceof Error) {
    const cause = 'cause' in value ? `,cause:${encode(value.cause, path)}` : '';
    const errors = value instanceof AggregateError ? `,errors:${encode(value.errors, path)}` : '';
    // a `DOMException`'s name is no field of its own, and tells an abort from a timeout
    return `${tag}(${encode(value.name, path)},${encode(value.message, path)}${cause}${errors}){${fields}}`;
  }
  if (proto === null) return `${tag}{${fields}}`;
  // fields alone miss what only `toJSON` shows (#private state), and `toJSON` alone may leave
  // fields out: both count
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    if (json !== value) return `${tag}{${fields}}(${encode(json, path)})`;
  }
  if (fields === '') {
    refuse(`an instance of ${tag} with no readable field (#private fields cannot be read)`);
  }
  return `${tag}{${fields}}`;
}

/**
 * The own enumerable fields of an array or a `String` object (`indexed`: beyond its items, such
 * as a regex match's `index` and `groups`) or of another built-in (`Object.assign(new Date(0),
 * { x: 1 })`), as `{...}`, or '' when it has none.
 */
function extra(value: object, path: object[], indexed: boolean): string {
  let keys = Object.keys(value);
  if (indexed) {
    // indices come first in `Object.keys`: the fields are what follows the last one
    let first = keys.length;
    while (first > 0 && !isIndex(keys[first - 1] as string)) first--;
    keys = keys.slice(first);
  }
  const fields = fieldsOf(value, path, keys);
  return fields.length === 0 ? '' : `{${fields.join(',')}}`;
}

const isIndex = (key: string): boolean => {
  const n = Number(key);
  return n >>> 0 === n && n !== 2 ** 32 - 1 && `${n}` === key;
};

/** The own enumerable fields, string keys sorted, then symbol keys. */
function fieldsOf(value: object, path: object[], keys = Object.keys(value)): string[] {
  const fields = keys
    .sort()
    .map((k) => `${JSON.stringify(k)}:${encode((value as never)[k], path)}`);
  for (const s of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, s)) {
      fields.push(`[${encodeSymbol(s)}]:${encode((value as never)[s], path)}`);
    }
  }
  return fields;
}
