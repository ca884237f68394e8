import { defaultName, type Event, format, is, type Rules, validate } from '@dyno/core';
import { parseConfig, type RegistrationConfig } from './config.js';
import { AlreadyRegistered, type Key, NotReady, NotRegistered } from './errors.js';
import type { RegisterEvent, ReplaceEvent, UnregisterEvent } from './events.js';
import { makeAsyncProvider, makeProvider, makeValue } from './internal/entry.js';
import { RegistryStore } from './internal/store.js';
import type {
  ProvideAsyncOptions,
  ProvideOptions,
  ProviderContext,
  RegisterOptions,
  RegistryOptions,
} from './options.js';
import { createRef, type Ref } from './ref.js';
import { createToken, type RegistryToken } from './token.js';

/** A provider's factory: builds the value of `key`, reading other keys from `registry`. */
export type Factory<T, R> = (context: ProviderContext<R>) => T;

const PKG = '@dyno/registry';
const REGISTRY_RULES = { name: is.string };
const DISPOSE = is.either(is.boolean, is.function);
const REGISTER_RULES = { dispose: DISPOSE } as Rules<ProvideOptions<unknown>>;
const PROVIDE_RULES: Rules<ProvideOptions<unknown>> = {
  dispose: DISPOSE,
  lifetime: is.oneOf('once', 'scoped', 'resolve'),
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
 * `child()` (one per request, for `'scoped'` providers). `Types` maps each key to the type of its
 * value.
 */
export class Registry<Types extends object = Record<Key, unknown>> extends RegistryStore {
  /** A value or a provider was added. */
  readonly onRegister: Event<RegisterEvent> = this.emitRegister.event;
  /** A key's value or provider was swapped with `replace`. */
  readonly onReplace: Event<ReplaceEvent> = this.emitReplace.event;
  /** A key was removed with `unregister`. */
  readonly onUnregister: Event<UnregisterEvent> = this.emitUnregister.event;

  constructor(options?: RegistryOptions) {
    const o = validate<RegistryOptions>(PKG, options, REGISTRY_RULES);
    super(o.name ?? defaultName('registry'), Registry.#nextParent);
    Registry.#nextParent = undefined;
  }

  // `child` hands the parent to the constructor here, keeping it out of the public signature
  static #nextParent: RegistryStore | undefined;

  /** The registry this one falls back to, if it was made with `child()`. */
  get parent(): Registry<Types> | undefined {
    return this.parentStore as Registry<Types> | undefined;
  }

  /**
   * A scoped registry: it looks up its own keys first and falls back to this one. Registering
   * in the child shadows the parent's value without touching it. A `'scoped'` provider of the
   * chain builds its value once per child a `get` starts in; disposing the child disposes them.
   */
  child(options?: RegistryOptions): Registry<Types> {
    this.live();
    Registry.#nextParent = this;
    try {
      return new Registry<Types>(options);
    } finally {
      Registry.#nextParent = undefined;
    }
  }

  /** Registers `value` under `key`. Throws `AlreadyRegistered` if the key is taken here. */
  register<K extends KeyOf<Types>>(
    key: K,
    value: Types[K],
    options?: RegisterOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, REGISTER_RULES);
    this.add(key, makeValue(value, o.dispose));
    return this;
  }

  /**
   * Registers a factory that builds the value of `key` lazily, at the first `get` (lifetime
   * `'once'`, the default), once per scope (`'scoped'`) or at every `get` (`'resolve'`). Throws
   * `AlreadyRegistered` if the key is taken here.
   */
  provide<K extends KeyOf<Types>>(
    key: K,
    factory: Factory<Types[K], Registry<Types>>,
    options?: ProvideOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, PROVIDE_RULES);
    this.add(key, makeProvider(factory, o));
    return this;
  }

  /**
   * Registers an async provider: `factory` returns a promise of the value, built once by
   * `ready()` or `getAsync`; after that `get` answers the value itself, synchronously (before,
   * it throws `NotReady`). A rejection is not kept: the next `ready()` or `getAsync` runs the
   * factory again.
   */
  provideAsync<K extends KeyOf<Types>>(
    key: K,
    factory: Factory<Promise<Types[K]>, Registry<Types>>,
    options?: ProvideAsyncOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, REGISTER_RULES);
    this.add(key, makeAsyncProvider(factory, o));
    return this;
  }

  /**
   * Registers every key of `config`, each `{ value }`, `{ factory, lifetime? }` or
   * `{ asyncFactory }` with an optional `dispose`. The whole config is checked first: a bad or
   * already registered key registers nothing.
   */
  registerAll(config: RegistrationConfig<Types, Registry<Types>>): this {
    this.live();
    const entries = parseConfig(config);
    for (const [key] of entries) {
      if (this.holdsKey(key)) throw new AlreadyRegistered(key, this.name);
    }
    for (const [key, entry] of entries) this.add(key, entry);
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
    this.swap(key, makeValue(value, o.dispose));
    return this;
  }

  /** Swaps what `key` holds for a provider, as `provide` would register it. */
  replaceProvider<K extends KeyOf<Types>>(
    key: K,
    factory: Factory<Types[K], Registry<Types>>,
    options?: ProvideOptions<Types[K]>,
  ): this {
    const o = this.#check(key, options, PROVIDE_RULES);
    this.swap(key, makeProvider(factory, o));
    return this;
  }

  /**
   * The value of `key`, from this registry or, failing that, its parents. A provider builds
   * it now if needed. Throws `NotRegistered` when no registry in the chain has the key, and
   * `NotReady` for an async provider not built yet.
   */
  get<K extends KeyOf<Types>>(key: K): Types[K] {
    checkKey(key);
    const found = this.find(key);
    if (found === undefined) throw new NotRegistered(key, this.name);
    return this.resolveFound(key, found) as Types[K];
  }

  /** As `get`, but `undefined` when no registry in the chain has `key`. */
  tryGet<K extends KeyOf<Types>>(key: K): Types[K] | undefined {
    checkKey(key);
    const found = this.find(key);
    return found === undefined ? undefined : (this.resolveFound(key, found) as Types[K]);
  }

  /**
   * A promise of the value of `key`: as `get`, but an async provider is built (or its build in
   * flight joined) instead of throwing `NotReady`, and a promise value is awaited. Never throws.
   */
  getAsync<K extends KeyOf<Types>>(key: K): Promise<Awaited<Types[K]>> {
    try {
      checkKey(key);
      const found = this.find(key);
      if (found === undefined) throw new NotRegistered(key, this.name);
      return this.resolveAsync(key, found) as Promise<Awaited<Types[K]>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Builds every async provider of this registry and its parents that is not built yet (joining
   * builds in flight), all at once. Rejects with `NotReady` naming each that failed (the others
   * stay built; call `ready()` again to retry the failed ones).
   */
  async ready(): Promise<void> {
    const failures = await this.readyAll();
    if (failures.length > 0) throw new NotReady(undefined, failures, this.name);
  }

  /** True when this registry or one of its parents has `key`. */
  has(key: KeyOf<Types>): boolean {
    checkKey(key);
    return this.find(key) !== undefined;
  }

  /** The keys registered in this registry itself, in registration order. */
  keys(): KeyOf<Types>[] {
    return this.ownKeys() as KeyOf<Types>[];
  }

  /**
   * Removes `key` from this registry (never from a parent) and disposes its value if owned.
   * Returns false when the key was not registered here.
   */
  unregister(key: KeyOf<Types>): boolean {
    checkKey(key);
    return this.remove(key);
  }

  /**
   * A late-bound handle on `key`: each use looks the key up again (through the parents too), so
   * a later registration or a swap shows through. The key need not be registered yet.
   */
  ref<K extends KeyOf<Types>>(key: K): Ref<Types[K]> {
    checkKey(key);
    this.live();
    return createRef(key, () => this.get(key));
  }

  /**
   * `key` as a dependency of `@dyno/injection`: `inject({ db: registry.token('db') }, fn)`.
   * Its `make()` is `getAsync(key)` at each call, so it follows swaps and async providers.
   */
  token<K extends KeyOf<Types>>(key: K): RegistryToken<Awaited<Types[K]>> {
    checkKey(key);
    this.live();
    return createToken(key, () => this.getAsync(key), this);
  }

  /**
   * Disposes every owned value of this registry (its scoped values, then its entries, each in
   * reverse order), forgets every key and every listener. Later use throws `DisposedError`. A
   * disposer's error is thrown after all the others have run. Calling it again does nothing.
   */
  dispose(): void {
    this.disposeAll();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal */
  protected lookup(key: Key, async: boolean): unknown {
    return async ? this.getAsync(key as KeyOf<Types>) : this.get(key as KeyOf<Types>);
  }

  #check(
    key: unknown,
    options: unknown,
    rules: Rules<ProvideOptions<unknown>>,
  ): ProvideOptions<unknown> {
    checkKey(key);
    this.live();
    return validate<ProvideOptions<unknown>>(PKG, options, rules);
  }
}
