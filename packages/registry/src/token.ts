import type { Key } from './errors.js';

/**
 * A registry key as a dependency of `@dyno/injection` (or of anything that builds a value by
 * calling `make()`): `inject({ db: registry.token('db') }, fn)`. It is a plain object whose only
 * enumerable field is `make`, so it fits a dependency declaration as it is; `make()` resolves
 * the key at each call (`getAsync`), so it follows swaps and waits for async providers. `key` and
 * `registry` are there to read, not enumerable.
 */
export interface RegistryToken<T> {
  /** Resolves the key now: a promise of its value. */
  make(): Promise<T>;
  /** The key it resolves. */
  readonly key: Key;
}

/** Makes the token of `key`, resolved with `resolve`. Frozen. */
export function createToken<T>(
  key: Key,
  resolve: () => Promise<T>,
  registry: object,
): RegistryToken<T> {
  const token = { make: () => resolve() };
  Object.defineProperties(token, {
    key: { value: key },
    registry: { value: registry },
  });
  return Object.freeze(token) as unknown as RegistryToken<T>;
}
