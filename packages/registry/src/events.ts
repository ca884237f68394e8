import type { Key } from './errors.js';

/** Payload of `onRegister`: a value or a provider was added under `key`. */
export interface RegisterEvent {
  /** The registry's name. */
  readonly name: string;
  readonly key: Key;
  /** `'value'` for `register`, `'provider'` for `provide`. */
  readonly kind: 'value' | 'provider';
}

/** Payload of `onReplace`: the entry under `key` was swapped. */
export interface ReplaceEvent {
  /** The registry's name. */
  readonly name: string;
  readonly key: Key;
  /** `'value'` or `'provider'`: what the key holds now. */
  readonly kind: 'value' | 'provider';
  /**
   * True when the previous value was owned and a disposer ran for it (a `dispose` function, or
   * its own `[Symbol.dispose]()`/`dispose()`); false when nothing was disposed.
   */
  readonly disposed: boolean;
}

/** Payload of `onUnregister`: the entry under `key` was removed. */
export interface UnregisterEvent {
  /** The registry's name. */
  readonly name: string;
  readonly key: Key;
  /**
   * True when the removed value was owned and a disposer ran for it (a `dispose` function, or
   * its own `[Symbol.dispose]()`/`dispose()`); false when nothing was disposed.
   */
  readonly disposed: boolean;
}
