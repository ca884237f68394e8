/**
 * A late-bound handle on a registry key. Every use resolves the key again, so a later
 * registration or a `replace` shows through: property reads, writes and calls go to the current
 * value, and `current` returns the value itself (`current` is reserved: a value's own `current`
 * property is `ref.current.current`).
 */
export type Ref<T> = T & { readonly current: T };

// Methods read through a ref are bound to the current value, so a class's private fields work
// (`this` would otherwise be the proxy). A bound copy is a proxy of the method, not `bind`'s
// copy, so the method's own properties and prototype still show (a service's `breaker`, a
// cached function's `cache`, an injected function's `run`). The bound copies are kept per
// value, so the same method read twice is the same function and steady use allocates nothing.
// They are kept in a WeakMap keyed by the value: a ref must not keep a replaced value reachable
// (a bound method holds its value), and a WeakMap entry lives only as long as its key. The
// functions are keys of a WeakMap too: a getter (or a proxy client) that returns a new function
// at each read would otherwise leave one entry per read for as long as the value lives. A
// primitive's methods (`'x'.trim`) are bound afresh at each read.
const bindTo = (value: unknown, fn: Function): Function =>
  new Proxy(fn, { apply: (target, _, args) => Reflect.apply(target, value, args) });

class BoundCache {
  readonly #bound = new WeakMap<object, WeakMap<Function, Function>>();

  get(value: unknown, fn: Function): Function {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
      return bindTo(value, fn);
    }
    let methods = this.#bound.get(value);
    if (methods === undefined) {
      methods = new WeakMap();
      this.#bound.set(value, methods);
    }
    let bound = methods.get(fn);
    if (bound === undefined) {
      bound = bindTo(value, fn);
      methods.set(fn, bound);
    }
    return bound;
  }
}

function box(value: unknown, key: string | symbol, prop: PropertyKey): object {
  if (value === null || value === undefined) {
    throw new TypeError(
      `Cannot use property ${String(prop)} of the value of key "${String(key)}" (${value})`,
    );
  }
  return Object(value) as object;
}

/** Makes a `Ref` that reads its value with `read` at each use (`read` throws when unset). */
export function createRef<T>(key: string | symbol, read: () => T): Ref<T> {
  const cache = new BoundCache();
  // An arrow function as the target makes the proxy callable while having no non-configurable
  // own property (`prototype`) that the proxy invariants would force it to report.
  const target = (): void => {};
  Object.defineProperty(target, 'name', { value: `ref ${String(key)}` });
  const handler: ProxyHandler<typeof target> = {
    get(_, prop) {
      const value = read();
      if (prop === 'current') return value;
      const result = Reflect.get(box(value, key, prop), prop, value);
      if (typeof result === 'function' && prop !== 'constructor') return cache.get(value, result);
      return result;
    },
    set(_, prop, next) {
      const value = read();
      return Reflect.set(box(value, key, prop), prop, next, value);
    },
    has(_, prop) {
      if (prop === 'current') return true;
      return Reflect.has(box(read(), key, prop), prop);
    },
    deleteProperty(_, prop) {
      return Reflect.deleteProperty(box(read(), key, prop), prop);
    },
    defineProperty(_, prop, descriptor) {
      return Reflect.defineProperty(box(read(), key, prop), prop, descriptor);
    },
    ownKeys() {
      return Reflect.ownKeys(box(read(), key, 'keys'));
    },
    getOwnPropertyDescriptor(_, prop) {
      const descriptor = Reflect.getOwnPropertyDescriptor(box(read(), key, prop), prop);
      // a proxy may not report a property as non-configurable unless its target has it so
      if (descriptor !== undefined) descriptor.configurable = true;
      return descriptor;
    },
    getPrototypeOf() {
      return Reflect.getPrototypeOf(box(read(), key, 'prototype'));
    },
    apply(_, thisArg, args) {
      const value = read();
      if (typeof value !== 'function') {
        throw new TypeError(`The value of key "${String(key)}" is not a function`);
      }
      return Reflect.apply(value, thisArg, args);
    },
  };
  return new Proxy(target, handler) as unknown as Ref<T>;
}
