import { CacheKeyError } from './errors.js';

const functionIds = new WeakMap<object, number>();
const symbolIds = new Map<symbol, number>();
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
 * argument counts, `1` and `'1'` differ, `undefined` and `null` differ, object keys are sorted,
 * `Map` and `Set` contents are compared regardless of order, class instances carry their class
 * name, built-ins are encoded by what they hold (a `URL` by its `href`, a `Date` by its time,
 * typed arrays, `ArrayBuffer`s and `Buffer`s by their bytes, boxed primitives by their value, an
 * `Error` by its class, message, fields and cause), and functions and unregistered symbols count
 * by identity. A class instance with no own enumerable field is encoded by its `toJSON()` when it
 * has one. What cannot be read faithfully (a cycle, a `WeakMap`, `WeakSet`, `WeakRef` or
 * `Promise`, a class instance with no readable field, such as one with only `#private` fields)
 * throws `CacheKeyError` naming it.
 */
export function stableKey(args: readonly unknown[]): string {
  // the common case of one primitive argument makes no intermediate arrays
  if (args.length === 1) {
    const only = args[0];
    if (typeof only === 'string') return JSON.stringify(only);
    if (typeof only === 'number') return `${only}`;
  }
  return encode(args, []);
}

function encode(value: unknown, path: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return `${value}`;
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
  let id = symbolIds.get(value);
  if (id === undefined) {
    id = nextId++;
    symbolIds.set(value, id);
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

function encodeContents(value: object, path: object[]): string {
  const tag = classOf(value);
  if (Array.isArray(value)) return `${tag}[${value.map((v) => encode(v, path)).join(',')}]`;
  if (value instanceof Date) return `${tag}Date(${value.getTime()})`;
  if (value instanceof RegExp) return `${tag}RegExp(${String(value)})`;
  if (value instanceof Map) {
    const pairs = [...value].map(([k, v]) => `${encode(k, path)}=>${encode(v, path)}`);
    return `${tag}Map{${pairs.sort().join(',')}}`;
  }
  if (value instanceof Set) {
    return `${tag}Set{${[...value]
      .map((v) => encode(v, path))
      .sort()
      .join(',')}}`;
  }
  if (ArrayBuffer.isView(value)) return bytes(value, classOf(value, true));
  if (value instanceof ArrayBuffer) return bytes(value, classOf(value, true));
  if (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer) {
    return bytes(value, classOf(value, true));
  }
  if (value instanceof URL) return `${tag}URL(${JSON.stringify(value.href)})`;
  if (value instanceof URLSearchParams) {
    return `${tag}URLSearchParams(${JSON.stringify(value.toString())})`;
  }
  if (
    value instanceof Number ||
    value instanceof String ||
    value instanceof Boolean ||
    value instanceof BigInt ||
    value instanceof Symbol
  ) {
    return `${classOf(value, true)}(${encode(value.valueOf(), path)})`;
  }
  for (const [what, type] of OPAQUE) if (type !== undefined && value instanceof type) refuse(what);
  const fields = fieldsOf(value, path);
  if (value instanceof Error) {
    const cause = 'cause' in value ? `,cause:${encode(value.cause, path)}` : '';
    return `${classOf(value, true)}(${JSON.stringify(value.message)}${cause}){${fields.join(',')}}`;
  }
  if (tag !== '' && fields.length === 0) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return `${tag}(${encode(toJSON.call(value), path)})`;
    refuse(`an instance of ${tag} with no readable field (#private fields cannot be read)`);
  }
  return `${tag}{${fields.join(',')}}`;
}

/** The own enumerable fields, string keys sorted, then symbol keys. */
function fieldsOf(value: object, path: object[]): string[] {
  const fields = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${encode((value as never)[k], path)}`);
  for (const s of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, s)) {
      fields.push(`[${encodeSymbol(s)}]:${encode((value as never)[s], path)}`);
    }
  }
  return fields;
}

/**
 * The class name of `value`: '' for plain objects, arrays and built-ins with their own prototype
 * (so `[]` is not `Array[]`), unless `always`.
 */
function classOf(value: object, always = false): string {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  if (proto === null) return always ? 'Object' : '';
  const name = proto.constructor?.name || '?';
  if (always) return name;
  const builtin = (globalThis as Record<string, unknown>)[name] as { prototype?: unknown };
  return proto === Object.prototype || builtin?.prototype === proto ? '' : name;
}
