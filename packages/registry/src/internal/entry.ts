import { format } from '@dyno/core';
import type { DisposeOption, ProvideOptions } from '../options.js';
import type { Factory } from '../registry.js';
import { release } from './dispose.js';

const PKG = '@dyno/registry';

/** What the registry keeps per key. */
export interface Entry {
  readonly kind: 'value' | 'provider';
  value: unknown;
  built: boolean;
  building: boolean;
  readonly factory: Factory<unknown, unknown> | undefined;
  readonly once: boolean;
  readonly dispose: DisposeOption<unknown>;
}

export function makeValue(value: unknown, dispose: DisposeOption<unknown> | undefined): Entry {
  return {
    kind: 'value',
    value,
    built: true,
    building: false,
    factory: undefined,
    once: true,
    dispose: dispose ?? false,
  };
}

export function makeProvider(factory: unknown, o: ProvideOptions<unknown>): Entry {
  if (typeof factory !== 'function') {
    throw new TypeError(
      `${PKG}: a provider's factory must be a function; received ${format(factory)}`,
    );
  }
  return {
    kind: 'provider',
    value: undefined,
    built: false,
    building: false,
    factory: factory as Factory<unknown, unknown>,
    once: o.lifetime !== 'resolve',
    dispose: o.dispose ?? false,
  };
}

/** Disposes an entry's value if it is owned and exists; reports a disposer's error to `fail`. */
export function settle(entry: Entry, fail: (error: unknown) => void): boolean {
  if (entry.dispose === false || !entry.built) return false;
  try {
    release(entry.value, entry.dispose);
  } catch (error) {
    fail(error);
  }
  return true;
}
