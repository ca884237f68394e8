import { DynoError, describeFailure, hasCode } from '@dyno/core';

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

/**
 * Raised when a provider's factory, directly or not, asks for its own key while it builds
 * (before or after an `await`): the build would wait for itself and never settle.
 */
export class CircularProvider extends DynoError {
  /** The key whose factory was re-entered. */
  readonly key: Key;
  /** The keys of the cycle, the first and the last the same (`a → b → a`), when known. */
  readonly cycle: readonly Key[] | undefined;

  constructor(key: Key, source?: string, cycle?: readonly Key[]) {
    const path = cycle === undefined ? '' : ` (${cycle.map(String).join(' → ')})`;
    super(
      'DYNO_CIRCULAR_PROVIDER',
      `The provider of key: "${String(key)}" asked for its own key while building${path}`,
      { source },
    );
    this.key = key;
    this.cycle = cycle === undefined ? undefined : Object.freeze(cycle.slice());
  }

  static override isInstance(value: unknown): value is CircularProvider {
    return hasCode(value, 'DYNO_CIRCULAR_PROVIDER');
  }
}

/** One async provider that failed to build during `ready()`. */
export interface ReadinessFailure {
  readonly key: Key;
  /** What its factory threw or rejected with. */
  readonly error: unknown;
}

/**
 * Raised by `get` (and a ref's use) of an async provider that is not ready yet (`await
 * registry.ready()` or `getAsync` first), and by `ready()` when async providers failed to build:
 * `failures` names each with its error, `cause` is the first error.
 */
export class NotReady extends DynoError {
  /** The key that was asked for (`undefined` for a failed `ready()`). */
  readonly key: Key | undefined;
  /** The async providers that failed, for a failed `ready()`; empty for a `get`. */
  readonly failures: readonly ReadinessFailure[];

  constructor(key: Key | undefined, failures: readonly ReadinessFailure[], source?: string) {
    const message =
      key !== undefined
        ? `The key: "${String(key)}" has an async provider that is not ready yet; await ready() or use getAsync()`
        : `Could not make ready: ${failures.map((f) => `"${String(f.key)}" (${describeFailure(f.error)})`).join(', ')}`;
    super('DYNO_NOT_READY', message, { source, cause: failures[0]?.error });
    this.key = key;
    this.failures = Object.freeze(failures.slice());
  }

  static override isInstance(value: unknown): value is NotReady {
    return hasCode(value, 'DYNO_NOT_READY');
  }
}
