import { isPromise, type PendingBuild, WaitGraph } from '@dyno/core';
import { CircularProvider, type Key } from '../errors.js';
import { discard, type Entry, type Slot } from './entry.js';

/** The registry's once-only and scoped builds in flight: who waits on whom (cycles). */
const waits = new WaitGraph<Key>();
type Build = PendingBuild<Key>;

/** How many builds are open (for tests: the storage is disabled at 0). */
export function buildsInFlight(): number {
  return waits.inFlight;
}

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
  // A `'resolve'` build is nobody's to join, so it cannot wait for itself; each `get` builds its
  // own value, so recursion that ends is legitimate. Not tracked: enabling the storage for
  // every `get` cost 1.3 µs a `get` (see `WaitGraph` in @dyno/core).
  const run = entry.lifetime === 'resolve' ? undefined : waits.open(host.key, slot);
  slot.building = true;
  let value: unknown;
  try {
    value = run === undefined ? factory(host.context) : waits.run(run, () => factory(host.context));
  } catch (error) {
    if (run !== undefined) waits.close(run);
    throw error;
  } finally {
    slot.building = false;
  }
  if (run !== undefined) ends(run, value);
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
      slot.flight = undefined;
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
      slot.flight = undefined;
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
  slot.flight = run;
  return promise;
}

/**
 * The value of a built slot for `get`: while its promise is pending, joining it from a build it
 * waits on (an async factory asking for its own key after an `await`, through any keys) throws
 * `CircularProvider` instead of waiting for itself.
 */
export function joined(key: Key, name: string, slot: Slot): unknown {
  const cycle = slot.flight === undefined ? undefined : waits.join(slot.flight);
  if (cycle !== undefined) throw new CircularProvider(key, name, cycle);
  return slot.value;
}

/** `CircularProvider` for a `get` of `slot` while its factory runs synchronously. */
export function reentered(key: Key, name: string, slot: Slot): CircularProvider {
  const chain = waits.chainTo(slot);
  return new CircularProvider(key, name, chain === undefined ? undefined : [...chain, key]);
}

/** Closes `run` when the factory's value settles: its code after an `await` is still the build. */
function ends(run: Build, value: unknown): void {
  const end = () => waits.close(run);
  if (isPromise(value)) value.then(end, end);
  else end();
}

/**
 * Builds an async provider (registered with `provideAsync`) once: its promise is shared by every
 * caller while in flight, its value kept when it fulfils (then `get` answers synchronously), and
 * nothing is kept when it rejects (the next `getAsync` or `ready` runs the factory again). A stale
 * build is disposed and answered with what the key holds now, as `build` does.
 */
export function buildAsync(host: Host, entry: Entry): Promise<unknown> {
  if (entry.built) return Promise.resolve(entry.value);
  if (entry.inflight !== undefined) {
    const cycle = waits.join(entry.flight as Build);
    if (cycle === undefined) return entry.inflight;
    return Promise.reject(new CircularProvider(host.key, host.name, cycle));
  }
  if (entry.building) return Promise.reject(reentered(host.key, host.name, entry));
  const factory = entry.factory as (context: unknown) => unknown;
  let run: Build | undefined;
  let made: unknown;
  entry.building = true;
  try {
    run = waits.open(host.key, entry);
    made = waits.run(run, () => factory(host.context));
  } catch (error) {
    if (run !== undefined) waits.close(run);
    return Promise.reject(error);
  } finally {
    entry.building = false;
  }
  const landed = Promise.resolve(made).then(
    (value: unknown) => {
      waits.close(run);
      entry.flight = undefined;
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
      waits.close(run);
      entry.flight = undefined;
      entry.leave = undefined;
      entry.inflight = undefined;
      throw error;
    },
  );
  const inflight = Promise.race([landed, leaving(host, entry)]);
  entry.inflight = inflight;
  entry.flight = run;
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
      // nobody can join it any more: its code is no build of the registry's (see `WaitGraph` in @dyno/core)
      if (slot.flight !== undefined) waits.close(slot.flight);
      // on a later microtask: the swap or the dispose that let the slot go finishes first
      resolve(Promise.resolve().then(() => host.again()));
    };
  });
}
