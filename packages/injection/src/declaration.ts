import type { Awaitable } from '@dyno/core';

/** What a dependency's `make` receives. */
export interface MakeContext {
  /** The dependency's name in the declaration. */
  readonly name: string;
  /**
   * Aborted when the value is no longer wanted: the caller aborted, or the dependency's timeout
   * passed (the reason is then a `DependencyTimeoutError`). Once-only builds are shared by every
   * caller, so their signal follows the timeout only.
   */
  readonly signal: AbortSignal;
}

/** Builds a dependency, synchronously or not. */
export type Make<T> = (context: MakeContext) => Awaitable<T>;

/** A dependency with its construction options. */
export interface DependencySpec<T> {
  /** Builds the value. */
  readonly make: Make<T>;
  /**
   * The value to use when `make` fails or times out. Present (even as `undefined`) means "use
   * it"; absent means the call fails with a `DependencyError`.
   */
  readonly fallback?: T;
  /**
   * How long `make` may take, in ms (see the presets such as `DATACENTER_TIMEOUT`); `false` or
   * absent means no limit.
   * @default false
   */
  readonly timeout?: number | false;
  /**
   * Build once and reuse (`true`) or build on every call (`false`).
   * @default the `once` option of `inject`
   */
  readonly once?: boolean;
  /**
   * Releases a value that was built but will never be used: the call failed (another dependency
   * failed without a fallback) or was aborted before `fn` ran, or the value arrived after this
   * dependency's timeout. A throw or rejection is reported through `@dyno/core`'s
   * `reportListenerError`. Values handed to `fn`, caller-supplied values, fallbacks and cached
   * once-only values are never disposed by `inject`.
   * @default none
   */
  readonly dispose?: (value: Awaited<T>) => unknown;
}

/** A dependency: its `make` function, or a spec with options. */
export type Dependency<T = unknown> = Make<T> | DependencySpec<T>;

/** What `inject` takes: a dependency per name. */
// biome-ignore lint/suspicious/noExplicitAny: any keeps each entry's own type for inference
export type Declaration = Readonly<Record<string, Dependency<any>>>;

/** The built value of one dependency. */
export type Built<X> =
  X extends DependencySpec<infer T> ? Awaited<T> : X extends Make<infer T> ? Awaited<T> : never;

/** The `deps` object `fn` receives: every declared name with its built value's type. */
export type Deps<D extends Declaration> = { -readonly [K in keyof D]: Built<D[K]> };
