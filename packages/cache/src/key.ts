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
 * name, functions and unregistered symbols count by identity. A cycle throws `CacheKeyError`.
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
    case 'symbol': {
      const registered = Symbol.keyFor(value);
      if (registered !== undefined) return `Symbol.for(${JSON.stringify(registered)})`;
      let id = symbolIds.get(value);
      if (id === undefined) {
        id = nextId++;
        symbolIds.set(value, id);
      }
      return `Symbol#${id}`;
    }
    case 'function':
      return `Function#${identityOf(value)}`;
    default:
      return value === null ? 'null' : encodeObject(value as object, path);
  }
}

function encodeObject(value: object, path: object[]): string {
  if (path.includes(value)) {
    throw new CacheKeyError('@dyno/cache: cannot make a key of arguments that contain a cycle');
  }
  path.push(value);
  try {
    if (Array.isArray(value)) return `[${value.map((v) => encode(v, path)).join(',')}]`;
    if (value instanceof Date) return `Date(${value.getTime()})`;
    if (value instanceof RegExp) return `RegExp(${String(value)})`;
    if (value instanceof Map) {
      const pairs = [...value].map(([k, v]) => `${encode(k, path)}=>${encode(v, path)}`);
      return `Map{${pairs.sort().join(',')}}`;
    }
    if (value instanceof Set) {
      return `Set{${[...value]
        .map((v) => encode(v, path))
        .sort()
        .join(',')}}`;
    }
    if (ArrayBuffer.isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return `${value.constructor.name}(${Buffer.from(bytes).toString('base64')})`;
    }
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const tag =
      proto === null || proto === Object.prototype ? '' : (proto.constructor?.name ?? '?');
    const keys = Object.keys(value).sort();
    const fields = keys.map((k) => `${JSON.stringify(k)}:${encode((value as never)[k], path)}`);
    return `${tag}{${fields.join(',')}}`;
  } finally {
    path.pop();
  }
}
