import { DisposedError, EventEmitter } from '@dyno/core';
import {
  AlreadyRegistered,
  type Key,
  NotReady,
  NotRegistered,
  type ReadinessFailure,
} from '../errors.js';
import type { RegisterEvent, ReplaceEvent, UnregisterEvent } from '../events.js';
import { build, buildAsync, type Host, joined, reentered } from './build.js';
import { type Entry, emptySlot, type Slot, settle } from './entry.js';

const PKG = '@dyno/registry';

/** Runs several disposals, keeping the first error to throw once all of them have run. */
function collect(): { fail: (error: unknown) => void; rethrow(): void } {
  let failure: { error: unknown } | undefined;
  return {
    fail: (error) => {
      failure ??= { error };
    },
    rethrow: () => {
      if (failure) throw failure.error;
    },
  };
}

/**
 * The state of a `Registry` and what reads or changes it across a chain of registries: entries,
 * scoped values, builds, events and disposal. `Registry` adds the public, validated API. Not
 * exported from the package.
 */
export abstract class RegistryStore {
  /** The name that appears in events and errors. */
  readonly name: string;
  // a Map, not an object: `__proto__` and `constructor` are ordinary keys here
  readonly #entries = new Map<Key, Entry>();
  /** The values of `'scoped'` providers built for `get`s started here, by provider entry. */
  readonly #scoped = new Map<Entry, Slot>();
  #parent: RegistryStore | undefined;
  #disposed = false;
  // Each emitter is named after its event: a listener that throws is reported by
  // `reportListenerError` as `'@dyno/registry onReplace'`, not as an anonymous event listener.
  /** @internal */
  protected readonly emitRegister = new EventEmitter<RegisterEvent>('@dyno/registry onRegister');
  /** @internal */
  protected readonly emitReplace = new EventEmitter<ReplaceEvent>('@dyno/registry onReplace');
  /** @internal */
  protected readonly emitUnregister = new EventEmitter<UnregisterEvent>(
    '@dyno/registry onUnregister',
  );

  protected constructor(name: string, parent: RegistryStore | undefined) {
    this.name = name;
    this.#parent = parent;
  }

  /** @internal the registry this one falls back to */
  protected get parentStore(): RegistryStore | undefined {
    return this.#parent;
  }

  /** @internal looks `key` up again from this registry (after a stale build) */
  protected abstract lookup(key: Key, async: boolean): unknown;

  /** @internal throws `DisposedError` after `dispose()` */
  protected live(): void {
    if (this.#disposed) throw new DisposedError('Registry', this.name);
  }

  /** @internal the keys of this registry itself */
  protected ownKeys(): Key[] {
    this.live();
    return [...this.#entries.keys()];
  }

  /** @internal the registry of the chain that has `key`, and its entry */
  protected find(key: Key): [RegistryStore, Entry] | undefined {
    this.live();
    for (let r: RegistryStore | undefined = this; r !== undefined; r = r.#parent) {
      r.live();
      const entry = r.#entries.get(key);
      if (entry !== undefined) return [r, entry];
    }
    return undefined;
  }

  /** @internal the value of `key` (found by `find`) for a `get` started here */
  protected resolveFound(key: Key, [owner, entry]: [RegistryStore, Entry]): unknown {
    if (entry.async) {
      if (entry.built) return entry.value;
      throw new NotReady(key, [], this.name);
    }
    if (entry.lifetime === 'scoped') return this.#scopedValue(key, entry, owner);
    if (entry.built) return entry.pending ? joined(key, owner.name, entry) : entry.value;
    if (entry.building) throw reentered(key, owner.name, entry);
    return build(owner.#host(key, entry, this), entry, entry);
  }

  /** @internal a promise of the value of `key` (found by `find`), building an async provider */
  protected resolveAsync(key: Key, found: [RegistryStore, Entry]): Promise<unknown> {
    const [owner, entry] = found;
    if (!entry.async) return Promise.resolve(this.resolveFound(key, found));
    return buildAsync(owner.#host(key, entry, this), entry);
  }

  /** @internal builds every unbuilt async provider of the chain; the failures */
  protected async readyAll(): Promise<ReadinessFailure[]> {
    this.live();
    const failures: ReadinessFailure[] = [];
    const builds: Promise<void>[] = [];
    for (let r: RegistryStore | undefined = this; r !== undefined; r = r.#parent) {
      r.live();
      for (const [key, entry] of r.#entries) {
        if (!entry.async || entry.built) continue;
        builds.push(
          buildAsync(r.#host(key, entry, this), entry).then(
            () => undefined,
            (error: unknown) => void failures.push({ key, error }),
          ),
        );
      }
    }
    await Promise.all(builds);
    return failures;
  }

  /** @internal adds an entry; `AlreadyRegistered` if the key is taken here */
  protected add(key: Key, entry: Entry): void {
    if (this.#entries.has(key)) throw new AlreadyRegistered(key, this.name);
    this.#entries.set(key, entry);
    if (this.emitRegister.hasListeners) {
      this.emitRegister.emit({ name: this.name, key, kind: entry.kind });
    }
  }

  /** @internal whether this registry itself has `key` */
  protected holdsKey(key: Key): boolean {
    return this.#entries.has(key);
  }

  /** @internal swaps an entry; `NotRegistered` if the key is not here */
  protected swap(key: Key, entry: Entry): void {
    const previous = this.#entries.get(key);
    if (previous === undefined) throw new NotRegistered(key, this.name);
    this.#entries.set(key, entry);
    const errors = collect();
    const disposed = this.#release(key, previous, errors.fail);
    if (this.emitReplace.hasListeners) {
      this.emitReplace.emit({ name: this.name, key, kind: entry.kind, disposed });
    }
    errors.rethrow();
  }

  /** @internal removes an entry; false if the key is not here */
  protected remove(key: Key): boolean {
    this.live();
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    const errors = collect();
    const disposed = this.#release(key, entry, errors.fail);
    if (this.emitUnregister.hasListeners) {
      this.emitUnregister.emit({ name: this.name, key, disposed });
    }
    errors.rethrow();
    return true;
  }

  /** @internal disposes every owned value, forgets everything; idempotent */
  protected disposeAll(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const scoped = [...this.#scoped].reverse();
    const entries = [...this.#entries].reverse();
    this.#scoped.clear();
    this.#entries.clear();
    this.emitRegister.clear();
    this.emitReplace.clear();
    this.emitUnregister.clear();
    const errors = collect();
    // a scoped value's key is its provider's, held by this registry or a parent
    const scopedSource = `${PKG} dispose of a scoped value in ${this.name}`;
    for (const [entry, slot] of scoped) settle(entry, scopedSource, errors.fail, slot);
    for (const [key, entry] of entries) settle(entry, this.#disposeSource(key), errors.fail);
    errors.rethrow();
  }

  /** Disposes an entry leaving this registry, and the scoped value it built here, if any. */
  #release(key: Key, entry: Entry, fail: (error: unknown) => void): boolean {
    const source = this.#disposeSource(key);
    const slot = this.#scoped.get(entry);
    this.#scoped.delete(entry);
    const scoped = slot !== undefined && settle(entry, source, fail, slot);
    return settle(entry, source, fail) || scoped;
  }

  /** Where an async disposer's rejection is reported, as a stale build's disposer's is. */
  #disposeSource(key: Key): string {
    return `${PKG} dispose of ${String(key)} in ${this.name}`;
  }

  /** How a build of `entry` (held here under `key`) for a lookup started in `origin` proceeds. */
  #host(key: Key, entry: Entry, origin: RegistryStore): Host {
    return {
      key,
      name: this.name,
      holds: () => !this.#disposed && this.#entries.get(key) === entry,
      again: () => origin.lookup(key, entry.async),
      context: { key, registry: this },
    };
  }

  /** The value of a `'scoped'` provider held by `owner`, built once for this registry. */
  #scopedValue(key: Key, entry: Entry, owner: RegistryStore): unknown {
    let slot = this.#scoped.get(entry);
    if (slot === undefined) {
      slot = emptySlot();
      this.#scoped.set(entry, slot);
    }
    if (slot.built) return slot.pending ? joined(key, this.name, slot) : slot.value;
    if (slot.building) throw reentered(key, this.name, slot);
    const mine = slot;
    const host: Host = {
      key,
      name: this.name,
      holds: () => !this.#disposed && !owner.#disposed && owner.#entries.get(key) === entry,
      again: () => {
        // a stale build leaves no empty slot behind
        if (this.#scoped.get(entry) === mine && !mine.built) this.#scoped.delete(entry);
        return this.lookup(key, false);
      },
      context: { key, registry: this },
    };
    return build(host, entry, slot);
  }
}
