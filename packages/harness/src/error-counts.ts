import { check, is } from '@dyno/core';

/**
 * Counts errors per harness name. Every harness adds to one (the shared `defaultErrorCounts`
 * unless given its own), sampled or not, so the numbers stay exact however little is logged.
 */
export class ErrorCounts {
  readonly #counts = new Map<string, number>();
  #total = 0;

  /** Counts one error of `name` and returns that name's new count. */
  add(name: string): number {
    const count = (this.#counts.get(name) ?? 0) + 1;
    this.#counts.set(name, count);
    this.#total++;
    return count;
  }

  /** The errors counted for `name`; 0 for a name never seen. */
  get(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  /** The errors counted for every name together. */
  get total(): number {
    return this.#total;
  }

  /** The counts by name, names sorted. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.#counts.keys()].sort()) {
      // defined, not assigned: assigning `__proto__` would set the prototype and drop the count
      Object.defineProperty(out, name, {
        value: this.#counts.get(name) ?? 0,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /** Forgets the count of `name`, or every count when called without a name. */
  reset(name?: string): void {
    if (name === undefined) {
      this.#counts.clear();
      this.#total = 0;
      return;
    }
    check('@dyno/harness', 'name', name, is.string);
    this.#total -= this.#counts.get(name) ?? 0;
    this.#counts.delete(name);
  }
}

/** The counts every harness adds to when it is not given its own `counts`. */
export const defaultErrorCounts: ErrorCounts = new ErrorCounts();
