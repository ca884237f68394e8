import { isPromise } from '@dyno/core';
import { CircularProvider, type Key } from '../errors.js';
import { discard, type Entry, type Slot } from './entry.js';

/** What a build of one key needs from the registry that runs it. */
export interface Host {
  /** The key being built. */
  readonly key: Key;
  /** The registry's name, for errors and reports. */
  readonly name: string;
  /** True while the build's result may still be kept (its entry, and scope, are current). */
  holds(): boolean;
  /** Looks the key up again, from the registry the `get` started in. */
  again(): unknown;
  /** The factory's context. */
  readonly context: unknown;
}

const source = (host: Host) => `@dyno/registry dispose of ${String(host.key)} in ${host.name}`;

/**
 * Runs a provider's factory for `get`, keeping the value in `slot` unless the lifetime is
 * `'resolve'`. A build that finds, when it lands, that its entry was swapped, unregistered or its
 * registry disposed is stale: its value is disposed (as the entry's `dispose` says) and `get`
 * answers with what the key holds now. A factory returning a promise is cached as a promise of
 * its value that applies the same rule when it fulfils, and is forgotten when it rejects, so the
 * next `get` runs the factory again.
 */
export function build(host: Host, entry: Entry, slot: Slot): unknown {
  const factory = entry.factory as (context: unknown) => unknown;
  slot.building = true;
  let value: unknown;
  try {
    value = factory(host.context);
  } finally {
    slot.building = false;
  }
  if (!host.holds()) {
    discard(entry, value, source(host));
    return host.again();
  }
  if (entry.lifetime === 'resolve') return value;
  if (!isPromise(value)) {
    slot.value = value;
    slot.built = true;
    return value;
  }
  const landed = value.then(
    (result: unknown) => {
      slot.leave = undefined;
      slot.pending = false;
      if (host.holds()) {
        slot.settled = { value: result };
        return result;
      }
      // A stale build keeps nothing: its value is disposed right here, so the slot must let go
      // of it. A scope whose provider was swapped in its parent still holds this slot, and would
      // otherwise dispose it again (as its promise) when the scope is disposed.
      slot.value = undefined;
      slot.built = false;
      discard(entry, result, source(host));
      return host.again();
    },
    (error: unknown) => {
      slot.leave = undefined;
      if (slot.value === promise) {
        slot.value = undefined;
        slot.built = false;
        slot.pending = false;
      }
      throw error;
    },
  );
  const promise = Promise.race([landed, leaving(host, slot)]);
  slot.value = promise;
  slot.built = true;
  slot.pending = true;
  return promise;
}

/**
 * Builds an async provider (registered with `provideAsync`) once: its promise is shared by every
 * caller while in flight, its value kept when it fulfils (then `get` answers synchronously), and
 * nothing is kept when it rejects (the next `getAsync` or `ready` runs the factory again). A stale
 * build is disposed and answered with what the key holds now, as `build` does.
 */
export function buildAsync(host: Host, entry: Entry): Promise<unknown> {
  if (entry.built) return Promise.resolve(entry.value);
  if (entry.inflight !== undefined) return entry.inflight;
  if (entry.building) return Promise.reject(new CircularProvider(host.key, host.name));
  const factory = entry.factory as (context: unknown) => unknown;
  let started: unknown;
  entry.building = true;
  try {
    started = factory(host.context);
  } catch (error) {
    return Promise.reject(error);
  } finally {
    entry.building = false;
  }
  const landed = Promise.resolve(started).then(
    (value: unknown) => {
      entry.leave = undefined;
      entry.inflight = undefined;
      if (!host.holds()) {
        discard(entry, value, source(host));
        return host.again();
      }
      entry.value = value;
      entry.built = true;
      return value;
    },
    (error: unknown) => {
      entry.leave = undefined;
      entry.inflight = undefined;
      throw error;
    },
  );
  const inflight = Promise.race([landed, leaving(host, entry)]);
  entry.inflight = inflight;
  return inflight;
}

/**
 * A promise of what the key holds once `slot` leaves the registry while its build is in flight
 * (its key replaced or unregistered, its registry or scope disposed): the store calls
 * `slot.leave()` then. A build races it, so a factory that never settles cannot hold its callers
 * (nor `ready()`) forever: they get what the key holds now at once, as a stale build's callers
 * would, and the build, if it ever lands, still disposes its value. A landing build clears
 * `slot.leave`.
 */
function leaving(host: Host, slot: Slot): Promise<unknown> {
  return new Promise((resolve) => {
    slot.leave = () => {
      slot.leave = undefined;
      // on a later microtask: the swap or the dispose that let the slot go finishes first
      resolve(Promise.resolve().then(() => host.again()));
    };
  });
}
