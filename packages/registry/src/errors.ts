import { DynoError, hasCode } from '@dyno/core';

/** A registry key: a string or a symbol. */
export type Key = string | symbol;

/** Raised by `get` (and by a ref's use) when nothing is registered under the key. */
export class NotRegistered extends DynoError {
  /** The key that was looked up. */
  readonly key: Key;

  constructor(key: Key, source?: string) {
    // the seed's exact wording, kept so logs and tests written against it still match
    super('DYNO_NOT_REGISTERED', `The key: "${String(key)}" has not yet been registered`, {
      source,
    });
    this.key = key;
  }

  static override isInstance(value: unknown): value is NotRegistered {
    return hasCode(value, 'DYNO_NOT_REGISTERED');
  }
}

/** Raised by `register` and `provide` when the key is already registered in this registry. */
export class AlreadyRegistered extends DynoError {
  /** The key that was already taken. */
  readonly key: Key;

  constructor(key: Key, source?: string) {
    super(
      'DYNO_ALREADY_REGISTERED',
      `The key: "${String(key)}" is already registered; use replace() to swap it`,
      { source },
    );
    this.key = key;
  }

  static override isInstance(value: unknown): value is AlreadyRegistered {
    return hasCode(value, 'DYNO_ALREADY_REGISTERED');
  }
}

/** Raised when a provider's factory, directly or not, asks for its own key while it builds. */
export class CircularProvider extends DynoError {
  /** The key whose factory was re-entered. */
  readonly key: Key;

  constructor(key: Key, source?: string) {
    super(
      'DYNO_CIRCULAR_PROVIDER',
      `The provider of key: "${String(key)}" asked for its own key while building`,
      { source },
    );
    this.key = key;
  }

  static override isInstance(value: unknown): value is CircularProvider {
    return hasCode(value, 'DYNO_CIRCULAR_PROVIDER');
  }
}
