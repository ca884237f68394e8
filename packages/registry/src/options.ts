/** Options of `new Registry()`. */
export interface RegistryOptions {
  /**
   * The name that appears in events and errors.
   * @default 'registry#n'
   */
  readonly name?: string;
}

/** How a value leaves the registry when it is owned: `true` disposes it, a function is called. */
export type DisposeOption<T> = boolean | ((value: T) => void);

/** Options of `register` and `replace`. */
export interface RegisterOptions<T> {
  /**
   * Whether the registry owns the value: when it is unregistered, replaced or the registry is
   * disposed, `true` calls the value's `[Symbol.dispose]()` or `dispose()`, and a function is
   * called with the value.
   * @default false
   */
  readonly dispose?: DisposeOption<T>;
}

/** What a provider's factory receives. */
export interface ProviderContext<R = unknown> {
  /** The key being resolved. */
  readonly key: string | symbol;
  /** The registry the provider was registered in (read other keys from it). */
  readonly registry: R;
}

/**
 * How long a provider's value lives: `'once'` (built at the first `get`, kept in the registry
 * that has the provider), `'scoped'` (built once per registry a `get` starts in, typically a
 * request's `child()`, and disposed with it) or `'resolve'` (built at every `get`).
 */
export type Lifetime = 'once' | 'scoped' | 'resolve';

/** Options of `provide`. */
export interface ProvideOptions<T> {
  /**
   * Whether the registry owns the built value, as for `register`. An async provider's value is
   * the one its promise fulfils with: that is what a function receives and what `true` disposes.
   * @default false
   */
  readonly dispose?: DisposeOption<Awaited<T>>;
  /**
   * `'once'` builds the value at the first `get` and keeps it (a throwing factory is retried at
   * the next `get`); `'scoped'` does so once per registry the `get` starts in (a `child()` per
   * request), which owns and disposes it; `'resolve'` builds a new value at every `get` (such
   * values are never owned, and `dispose` with it throws a `RangeError`).
   * @default 'once'
   */
  readonly lifetime?: Lifetime;
}

/** Options of `provideAsync`. */
export interface ProvideAsyncOptions<T> {
  /**
   * Whether the registry owns the value the factory's promise fulfils with, as for `register`.
   * @default false
   */
  readonly dispose?: DisposeOption<T>;
}

/** The defaults of `provide` (and, for `dispose`, of `register` and `replace`). */
export const DEFAULT_PROVIDE_OPTIONS: Readonly<{
  readonly lifetime: Lifetime;
  readonly dispose: false;
}> = Object.freeze({ lifetime: 'once', dispose: false });
