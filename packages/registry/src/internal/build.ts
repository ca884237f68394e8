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
  if (!(value instanceof Promise)) {
    slot.value = value;
    slot.built = true;
    return value;
  }
  const promise: Promise<unknown> = value.then(
    (result: unknown) => {
      slot.pending = false;
      if (host.holds()) {
        slot.settled = { value: result };
        return result;
      }
      discard(entry, result, source(host));
      return host.again();
    },
    (error: unknown) => {
      if (slot.value === promise) {
        slot.value = undefined;
        slot.built = false;
        slot.pending = false;
      }
      throw error;
    },
  );
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
  const inflight = Promise.resolve(started).then(
    (value: unknown) => {
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
      entry.inflight = undefined;
      throw error;
    },
  );
  entry.inflight = inflight;
  return inflight;
}
