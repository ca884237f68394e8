import { UnserializableValueError } from '../errors.js';

// Classes whose instances the structured clone algorithm (node:v8) restores as themselves.
const BUILT_INS: ReadonlySet<unknown> = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Number.prototype,
  String.prototype,
  Boolean.prototype,
  BigInt.prototype,
  Buffer.prototype,
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
]);
// the only own properties of an error that survive structured cloning
const ERROR_KEYS: ReadonlySet<string> = new Set(['stack', 'message', 'cause']);

function kindOf(value: object): string {
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  if (proto === null) return 'an object with a null prototype';
  const name = proto.constructor?.name;
  return typeof name === 'string' && name !== ''
    ? `an instance of ${name}`
    : 'an object of a class';
}

/**
 * Throws `UnserializableValueError` for anything in `value` that would not come back from
 * structured cloning as it went in: functions, symbols, instances of user classes (their
 * prototype is lost), null-prototype objects, weak collections, promises, symbol keys and the
 * extra own properties of an error. Cycles and shared references are fine: they survive.
 */
export function checkValue(value: unknown): void {
  walk(value, 'value', new Set());
}

function walk(value: unknown, path: string, seen: Set<object>): void {
  if (typeof value === 'function') throw new UnserializableValueError(path, 'a function');
  if (typeof value === 'symbol') throw new UnserializableValueError(path, 'a symbol');
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!BUILT_INS.has(proto)) throw new UnserializableValueError(path, kindOf(value));
  if (Object.getOwnPropertySymbols(value).length > 0) {
    throw new UnserializableValueError(path, 'an object with symbol keys');
  }
  if (value instanceof Error) {
    const extra = Object.keys(value).find((k) => !ERROR_KEYS.has(k));
    if (extra !== undefined) {
      throw new UnserializableValueError(path, `an error with its own property \`${extra}\``);
    }
    walk((value as { cause?: unknown }).cause, `${path}.cause`, seen);
    return;
  }
  // structured cloning keeps the own fields of plain objects and arrays only: those of a Date, a
  // Map, a Set, a RegExp, an ArrayBuffer or a boxed primitive are lost, so they are refused. A
  // typed array's or a Buffer's are not looked for (listing them lists every byte) and are dropped.
  if (proto !== Object.prototype && proto !== Array.prototype && !ArrayBuffer.isView(value)) {
    // a boxed string lists its characters' indices first
    const extra = Object.keys(value)[value instanceof String ? value.length : 0];
    if (extra !== undefined) {
      throw new UnserializableValueError(
        path,
        `${kindOf(value)} with its own property \`${extra}\``,
      );
    }
  }
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      walk(k, `${path}<key ${i}>`, seen);
      walk(v, `${path}<value ${i++}>`, seen);
    }
  } else if (value instanceof Set) {
    let i = 0;
    for (const v of value) walk(v, `${path}<member ${i++}>`, seen);
  }
  if (ArrayBuffer.isView(value)) return;
  for (const key of Object.keys(value)) {
    walk((value as Record<string, unknown>)[key], `${path}.${key}`, seen);
  }
}
