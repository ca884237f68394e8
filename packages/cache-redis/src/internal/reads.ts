/** One Redis read behind a memory miss; `invalidated` when its key changed meanwhile. */
export interface Read {
  invalidated: boolean;
}

/**
 * The Redis reads in flight, by key, so that an invalidation that arrives while a read runs
 * keeps the (maybe old) entry read out of the memory tier.
 */
export class Reads {
  readonly #byKey = new Map<string, Set<Read>>();

  start(key: string): Read {
    const read: Read = { invalidated: false };
    let set = this.#byKey.get(key);
    if (set === undefined) {
      set = new Set();
      this.#byKey.set(key, set);
    }
    set.add(read);
    return read;
  }

  end(key: string, read: Read): void {
    const set = this.#byKey.get(key);
    if (set === undefined) return;
    set.delete(read);
    if (set.size === 0) this.#byKey.delete(key);
  }

  invalidate(key: string): void {
    const set = this.#byKey.get(key);
    if (set !== undefined) for (const read of set) read.invalidated = true;
  }

  invalidatePrefix(prefix: string): void {
    for (const [key, set] of this.#byKey) {
      if (key.startsWith(prefix)) for (const read of set) read.invalidated = true;
    }
  }

  invalidateAll(): void {
    for (const set of this.#byKey.values()) for (const read of set) read.invalidated = true;
  }
}
