import {
  DisposedError,
  defaultName,
  type Event,
  EventEmitter,
  format,
  is,
  type Rules,
  validate,
} from '@dyno/core';
import { AlreadyRegistered, CircularProvider, type Key, NotRegistered } from './errors.js';
import type { RegisterEvent, ReplaceEvent, UnregisterEvent } from './events.js';
import { type Entry, makeProvider, makeValue, settle } from './internal/entry.js';
import type {
  ProvideOptions,
  ProviderContext,
  RegisterOptions,
  RegistryOptions,
} from './options.js';
import { createRef, type Ref } from './ref.js';

/** A provider's factory: builds the value of `key`, reading other keys from `registry`. */
export type Factory<T, R> = (context: ProviderContext<R>) => T;

const PKG = '@dyno/registry';
const REGISTRY_RULES = { name: is.string };
const DISPOSE = is.either(is.boolean, is.function);
const REGISTER_RULES = { dispose: DISPOSE } as Rules<ProvideOptions<unknown>>;
const PROVIDE_RULES: Rules<ProvideOptions<unknown>> = {
  dispose: DISPOSE,
  lifetime: is.oneOf('once', 'resolve'),
};

/** The keys of a registry's type map. */
export type KeyOf<Types> = Extract<keyof Types, Key>;

function checkKey(key: unknown): asserts key is Key {
  if (typeof key !== 'string' && typeof key !== 'symbol') {
    throw new TypeError(`${PKG}: a key must be a string or a symbol; received ${format(key)}`);
  }
}

/**
 * A registry of named services, filled in by setup code and swappable at run time. There is no
 * global one: make as many as you need (one per tenant, one per test) and chain them with
 * `child()`. `Types` maps each key to the type of its value.
 */
export class Registry<Types extends object = Record<Key, unknown>> {
  /** The name that appears in events and errors. */
  readonly name: string;
  // a Map, not an object: `__proto__` and `constructor` are ordinary keys here
  readonly #entries = new Map<Key, Entry>();
  #parent: Registry<Types> | undefined;
  #disposed = false;
  readonly #onRegister = new EventEmitter<RegisterEvent>();
  readonly #onReplace = new EventEmitter<ReplaceEvent>();
  readonly #onUnregister = new EventEmitter<UnregisterEvent>();

  /** A value or a provider was added. */
  readonly onRegister: Event<RegisterEvent> = this.#onRegister.event;
  /** A key's value or provider was swapped with `replace`. */
  readonly onReplace: Event<ReplaceEvent> = this.#onReplace.event;
  /** A key was removed with `unregister`. */
  readonly onUnregister: Event<UnregisterEvent> = this.#onUnregister.event;

  constructor(options?: RegistryOptions) {
    const o = validate<RegistryOptions>(PKG, options, REGISTRY_RULES);
    this.name = o.name ?? defaultName('registry');
  }

  /** The registry this one falls back to, if it was made with `child()`. */
  get parent(): Registry<Types> | undefined {
    return this.#parent;
  }

  /**
   * A scoped registry: it looks up its own keys first and falls back to this one. Registering
   * in the child shadows the parent's value without touching it.
   */
  child(options?: RegistryOptions): Registry<Types> {
    this.#live();
    const child = new Registry<Types>(options);
    child.#parent = this;
    return child;
  }

  /** Registers `value` under `key`. Throws `AlreadyRegistered` if the key is taken here. */
  register<K extends KeyOf<Types>>(
    key: K,
    value: Types[K],
    options?: RegisterOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, REGISTER_RULES);
    this.#add(key, makeValue(value, o.dispose));
    return this;
  }

  /**
   * Registers a factory that builds the value of `key` lazily, at the first `get` (lifetime
   * `'once'`, the default) or at every `get` (`'resolve'`). Throws `AlreadyRegistered` if the
   * key is taken here.
   */
  provide<K extends KeyOf<Types>>(
    key: K,
    factory: Factory<Types[K], Registry<Types>>,
    options?: ProvideOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, PROVIDE_RULES);
    this.#add(key, makeProvider(factory, o));
    return this;
  }

  /**
   * Swaps what `key` holds for `value`; refs see the new value at their next use. An owned
   * previous value is disposed. Throws `NotRegistered` if the key is not registered here.
   */
  replace<K extends KeyOf<Types>>(
    key: K,
    value: Types[K],
    options?: RegisterOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, REGISTER_RULES);
    return this.#swap(key, makeValue(value, o.dispose));
  }

  /** Swaps what `key` holds for a provider, as `provide` would register it. */
  replaceProvider<K extends KeyOf<Types>>(
    key: K,
    factory: Factory<Types[K], Registry<Types>>,
    options?: ProvideOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, PROVIDE_RULES);
    return this.#swap(key, makeProvider(factory, o));
  }

  /**
   * The value of `key`, from this registry or, failing that, its parents. A provider builds
   * it now if needed. Throws `NotRegistered` when no registry in the chain has the key.
   */
  get<K extends KeyOf<Types>>(key: K): Types[K] {
    checkKey(key);
    this.#live();
    for (let r: Registry<Types> | undefined = this; r !== undefined; r = r.#parent) {
      r.#live();
      const entry = r.#entries.get(key);
      if (entry !== undefined) return r.#resolve(key, entry) as Types[K];
    }
    throw new NotRegistered(key, this.name);
  }

  /** True when this registry or one of its parents has `key`. */
  has(key: KeyOf<Types>): boolean {
    checkKey(key);
    this.#live();
    for (let r: Registry<Types> | undefined = this; r !== undefined; r = r.#parent) {
      if (r.#entries.has(key)) return true;
    }
    return false;
  }

  /** The keys registered in this registry itself, in registration order. */
  keys(): KeyOf<Types>[] {
    this.#live();
    return [...this.#entries.keys()] as KeyOf<Types>[];
  }

  /**
   * Removes `key` from this registry (never from a parent) and disposes its value if owned.
   * Returns false when the key was not registered here.
   */
  unregister(key: KeyOf<Types>): boolean {
    checkKey(key);
    this.#live();
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    let failure: { error: unknown } | undefined;
    const disposed = settle(entry, (e) => {
      failure = { error: e };
    });
    if (this.#onUnregister.hasListeners)
      this.#onUnregister.emit({ name: this.name, key, disposed });
    if (failure) throw failure.error;
    return true;
  }

  /**
   * A late-bound handle on `key`: each use looks the key up again (through the parents too), so
   * a later registration or a swap shows through. The key need not be registered yet.
   */
  ref<K extends KeyOf<Types>>(key: K): Ref<Types[K]> {
    checkKey(key);
    this.#live();
    return createRef(key, () => this.get(key));
  }

  /**
   * Disposes every owned value of this registry (in reverse order of registration), forgets
   * every key and every listener. Later use throws `DisposedError`. A disposer's error is thrown
   * after all the others have run. Calling it again does nothing.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const entries = [...this.#entries.values()].reverse();
    this.#entries.clear();
    this.#onRegister.clear();
    this.#onReplace.clear();
    this.#onUnregister.clear();
    let failure: { error: unknown } | undefined;
    for (const entry of entries) {
      settle(entry, (e) => {
        failure ??= { error: e };
      });
    }
    if (failure) throw failure.error;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #live(): void {
    if (this.#disposed) throw new DisposedError('Registry', this.name);
  }

  #check(
    key: unknown,
    options: unknown,
    rules: Rules<ProvideOptions<unknown>>,
  ): ProvideOptions<unknown> {
    checkKey(key);
    this.#live();
    return validate<ProvideOptions<unknown>>(PKG, options, rules);
  }

  #add(key: Key, entry: Entry): void {
    if (this.#entries.has(key)) throw new AlreadyRegistered(key, this.name);
    this.#entries.set(key, entry);
    if (this.#onRegister.hasListeners) {
      this.#onRegister.emit({ name: this.name, key, kind: entry.kind });
    }
  }

  #swap(key: Key, entry: Entry): this {
    const previous = this.#entries.get(key);
    if (previous === undefined) throw new NotRegistered(key, this.name);
    this.#entries.set(key, entry);
    let failure: { error: unknown } | undefined;
    const disposed = settle(previous, (e) => {
      failure = { error: e };
    });
    if (this.#onReplace.hasListeners) {
      this.#onReplace.emit({ name: this.name, key, kind: entry.kind, disposed });
    }
    if (failure) throw failure.error;
    return this;
  }

  #resolve(key: Key, entry: Entry): unknown {
    if (entry.built) return entry.value;
    const factory = entry.factory as Factory<unknown, unknown>;
    if (entry.building) throw new CircularProvider(key, this.name);
    entry.building = true;
    try {
      const value = factory({ key, registry: this });
      if (entry.once) {
        entry.value = value;
        entry.built = true;
      }
      return value;
    } finally {
      entry.building = false;
    }
  }
}
