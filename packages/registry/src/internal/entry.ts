import { format, type PendingBuild, reportListenerError } from '@dyno/core';
import type { Key } from '../errors.js';
import type { DisposeOption, Lifetime, ProvideOptions } from '../options.js';
import { release } from './dispose.js';

const PKG = '@dyno/registry';

/** The built state of a provider: in its entry, or (for a scoped one) in each scope. */
export interface Slot {
  /** What `get` returns: the value, or (a once-provider returning a promise) the promise of it. */
  value: unknown;
  built: boolean;
  /** The factory is running (synchronously): a `get` of the same key now is circular. */
  building: boolean;
  /** A promise in `value` has not fulfilled yet: its build owns the outcome. */
  pending: boolean;
  /** The fulfilled value of a promise in `value`, the one disposed when the slot goes. */
  settled: { readonly value: unknown } | undefined;
  /** An async provider's build in flight, shared by `getAsync` and `ready`. */
  inflight: Promise<unknown> | undefined;
  /**
   * While a build that returned a promise is in flight: answers its callers with what the key
   * holds now. Called when the slot leaves the registry before the build lands (see `settle`).
   */
  leave: (() => void) | undefined;
  /** A build in flight that callers join (`pending` or `inflight`): who waits on whom. */
  flight: PendingBuild<Key> | undefined;
}

/** What the registry keeps per key. */
export interface Entry extends Slot {
  readonly kind: 'value' | 'provider';
  readonly factory: ((context: unknown) => unknown) | undefined;
  readonly lifetime: Lifetime;
  /** Registered with `provideAsync`: `get` answers only once it is ready. */
  readonly async: boolean;
  readonly dispose: DisposeOption<unknown>;
}

/** A fresh, unbuilt slot. */
export function emptySlot(): Slot {
  return {
    value: undefined,
    built: false,
    building: false,
    pending: false,
    settled: undefined,
    inflight: undefined,
    leave: undefined,
    flight: undefined,
  };
}

export function makeValue(value: unknown, dispose: DisposeOption<unknown> | undefined): Entry {
  return {
    ...emptySlot(),
    kind: 'value',
    value,
    built: true,
    factory: undefined,
    lifetime: 'once',
    async: false,
    dispose: dispose ?? false,
  };
}

/** A provider registered with `provide` (or a config's `factory`). */
export function makeProvider(factory: unknown, o: ProvideOptions<unknown>): Entry {
  return provider(factory, o, { async: false });
}

/** A provider registered with `provideAsync` (or a config's `asyncFactory`): built once. */
export function makeAsyncProvider(factory: unknown, o: ProvideOptions<unknown>): Entry {
  return provider(factory, o, { async: true });
}

function provider(
  factory: unknown,
  o: ProvideOptions<unknown>,
  { async }: { async: boolean },
): Entry {
  if (typeof factory !== 'function') {
    throw new TypeError(
      `${PKG}: a provider's factory must be a function; received ${format(factory)}`,
    );
  }
  if (o.lifetime === 'resolve' && o.dispose !== undefined && o.dispose !== false) {
    throw new RangeError(
      `${PKG}: option \`dispose\` cannot be used with lifetime 'resolve': a value built at every \`get\` is its caller's to dispose`,
    );
  }
  return {
    ...emptySlot(),
    kind: 'provider',
    factory: factory as (context: unknown) => unknown,
    lifetime: o.lifetime ?? 'once',
    async,
    dispose: o.dispose ?? false,
  };
}

/**
 * Disposes the value in `slot` (by default the entry's own) if it is owned and built, and says
 * whether a disposer ran; reports a disposer's error to `fail` (an async disposer's rejection
 * under `source`). A promise still pending is not
 * disposed here: its build disposes the value when it lands, seeing that the slot has gone.
 * Called when the slot leaves the registry, it first lets the callers of a build in flight go
 * (`slot.leave`), so that a factory that never settles does not hold them forever.
 */
export function settle(
  entry: Entry,
  source: string,
  fail: (error: unknown) => void,
  slot: Slot = entry,
): boolean {
  slot.leave?.();
  if (entry.dispose === false || !slot.built || slot.pending) return false;
  try {
    const value = slot.settled === undefined ? slot.value : slot.settled.value;
    return release(value, entry.dispose, source);
  } catch (error) {
    fail(error);
    return true;
  }
}

/** Disposes a value that was built but that no caller will receive. */
export function discard(entry: Entry, value: unknown, source: string): void {
  if (entry.dispose === false) return;
  try {
    release(value, entry.dispose, source);
  } catch (error) {
    reportListenerError(error, source);
  }
}
