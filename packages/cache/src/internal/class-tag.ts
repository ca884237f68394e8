// the tag of each prototype seen, and which prototype holds each bare name
const tags = new WeakMap<object, string>();
const owners = new Map<string, WeakRef<object>>();
let nextId = 1;

/**
 * What a key calls the prototype of an object: `@null` for none, a built-in's name for a
 * built-in's prototype, else its class's name, as long as no other live prototype of that name
 * was seen first; later ones (a second `class User` in another module, classes made by a factory)
 * and a class named like a global constructor (`Error`, `Request`) get `Name#n`, unique in this
 * process. A name that is not an identifier is quoted, so that no name can pass for a different
 * encoding.
 */
export function tagOf(proto: object | null): string {
  if (proto === null) return '@null';
  let tag = tags.get(proto);
  if (tag !== undefined) return tag;
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  const safe =
    typeof name !== 'string' || name === ''
      ? '?'
      : /^[A-Za-z_$][\w$]*$/.test(name)
        ? name
        : JSON.stringify(name);
  // a global constructor owns its name: a user class named `Error` or `Uint8Array` must not pass
  // for it
  const global = Object.hasOwn(globalThis, safe)
    ? (globalThis as Record<string, unknown>)[safe]
    : 0;
  if (typeof global === 'function' && global.prototype === proto) {
    tag = safe;
  } else if (typeof global !== 'function' && owners.get(safe)?.deref() === undefined) {
    owners.set(safe, new WeakRef(proto));
    tag = safe;
  } else {
    tag = `${safe}#${nextId++}`;
  }
  tags.set(proto, tag);
  return tag;
}
