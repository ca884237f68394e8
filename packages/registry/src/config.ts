import { format, is, type Rule, validate } from '@dyno/core';
import type { Key } from './errors.js';
import { type Entry, makeAsyncProvider, makeProvider, makeValue } from './internal/entry.js';
import type { DisposeOption, Lifetime, ProviderContext } from './options.js';

const PKG = '@dyno/registry';

/** One key of a `registerAll` config: a value, a provider or an async provider, with options. */
export type Registration<T, R> =
  | { readonly value: T; readonly dispose?: DisposeOption<T> }
  | {
      readonly factory: (context: ProviderContext<R>) => T;
      readonly lifetime?: Lifetime;
      readonly dispose?: DisposeOption<Awaited<T>>;
    }
  | {
      readonly asyncFactory: (context: ProviderContext<R>) => Promise<T>;
      readonly dispose?: DisposeOption<T>;
    };

/** What `registerAll` takes: a registration per key, every field plain data or a function. */
export type RegistrationConfig<Types, R> = {
  readonly [K in keyof Types]?: Registration<Types[K], R>;
};

const DISPOSE = is.either(is.boolean, is.function);
const VALUE_RULES = { value: is.any, dispose: DISPOSE };
const FACTORY_RULES = {
  factory: is.function,
  lifetime: is.oneOf('once', 'scoped', 'resolve'),
  dispose: DISPOSE,
};
const ASYNC_RULES = { asyncFactory: is.function, dispose: DISPOSE };

const KINDS = ['value', 'factory', 'asyncFactory'] as const;

/**
 * Checks a whole config and turns it into entries, in the config's key order (string keys, then
 * symbol keys), before anything is registered: a bad registration registers nothing.
 */
export function parseConfig(config: unknown): [Key, Entry][] {
  check(config, 'the config', 'an object of registrations');
  const keys: Key[] = Reflect.ownKeys(config as object).filter((key) =>
    Object.prototype.propertyIsEnumerable.call(config, key),
  );
  return keys.map((key) => {
    const registration = (config as Record<Key, unknown>)[key];
    const where = `registration \`${String(key)}\``;
    check(registration, where, 'an object with one of `value`, `factory`, `asyncFactory`');
    const kinds = KINDS.filter((k) => Object.hasOwn(registration as object, k));
    if (kinds.length !== 1) {
      throw new TypeError(
        `${PKG}: ${where} must have exactly one of \`value\`, \`factory\`, \`asyncFactory\`; received ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
      );
    }
    const prefix = `${String(key)}.`;
    switch (kinds[0]) {
      case 'value': {
        const r = validate(PKG, registration, VALUE_RULES, prefix) as {
          value: unknown;
          dispose?: DisposeOption<unknown>;
        };
        return [key, makeValue(r.value, r.dispose)];
      }
      case 'factory': {
        const r = validate(PKG, registration, FACTORY_RULES, prefix) as {
          factory: unknown;
          lifetime?: Lifetime;
          dispose?: DisposeOption<unknown>;
        };
        return [key, makeProvider(r.factory, r)];
      }
      default: {
        const r = validate(PKG, registration, ASYNC_RULES, prefix) as {
          asyncFactory: unknown;
          dispose?: DisposeOption<unknown>;
        };
        return [key, makeAsyncProvider(r.asyncFactory, r)];
      }
    }
  });
}

function check(value: unknown, what: string, expected: string): void {
  const rule: Rule = is.object;
  if (rule.test(value) !== undefined) {
    throw new TypeError(`${PKG}: ${what} must be ${expected}; received ${format(value)}`);
  }
}
