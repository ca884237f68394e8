import { check, type Disposable, is, toDisposable } from '@dyno/core';
import type { AfterFilter, AroundFilter, BeforeFilter, Pipeline } from './filters.js';
import { EMPTY_STAGE, type Entry, isEmpty, type Stage } from './internal/entries.js';

const PKG = '@dyno/aspect';

/** The stage a call of `name` runs: `EMPTY_STAGE` when it has no filters. Not public. */
export let stageOf: (registry: AspectRegistry, name: string) => Stage;
/** Records that `name` is advertised; never touches its filters. Not public. */
export let declareName: (registry: AspectRegistry, name: string) => void;

/**
 * A set of named pipelines. Use the shared `defaultRegistry`, or make your own for isolation
 * (one per test, one per tenant).
 */
export class AspectRegistry {
  readonly #stages = new Map<string, Stage>();
  readonly #advertised = new Set<string>();

  /**
   * Adds a filter that runs before every call advertised under `name`, after the filters
   * already there. Works before or after the name is advertised. Dispose the result to remove it.
   */
  before<A extends readonly unknown[] = unknown[]>(
    name: string,
    filter: BeforeFilter<A>,
  ): Disposable {
    return this.#add(name, 'before', filter as unknown as BeforeFilter);
  }

  /**
   * Adds a filter that runs after every call advertised under `name`, after the filters already
   * there. Dispose the result to remove it.
   */
  after<R = unknown, A extends readonly unknown[] = unknown[]>(
    name: string,
    filter: AfterFilter<R, A>,
  ): Disposable {
    return this.#add(name, 'after', filter as unknown as AfterFilter);
  }

  /**
   * Adds a filter that runs around every call advertised under `name`, inside the filters
   * already there (the first added is the outermost). Dispose the result to remove it.
   */
  around<A extends readonly unknown[] = unknown[], R = unknown>(
    name: string,
    filter: AroundFilter<A, R>,
  ): Disposable {
    return this.#add(name, 'around', filter as unknown as AroundFilter);
  }

  /** The filters registered under `name` now, in the order they run (a frozen snapshot). */
  pipeline(name: string): Pipeline {
    checkName(name);
    const stage = this.#stages.get(name) ?? EMPTY_STAGE;
    return Object.freeze({
      before: Object.freeze(stage.before.map((e) => e.filter)),
      around: Object.freeze(stage.around.map((e) => e.filter)),
      after: Object.freeze(stage.after.map((e) => e.filter)),
    });
  }

  /** Every name that has been advertised or has filters, sorted. */
  names(): string[] {
    return [...new Set([...this.#advertised, ...this.#stages.keys()])].sort();
  }

  /** True when `name` has been advertised or has filters. */
  has(name: string): boolean {
    return this.#advertised.has(name) || this.#stages.has(name);
  }

  /**
   * Removes every filter of `name`, or of every name when called without one. Advertised
   * functions keep working, with no filters.
   */
  clear(name?: string): void {
    if (name === undefined) this.#stages.clear();
    else {
      checkName(name);
      this.#stages.delete(name);
    }
  }

  static {
    // `advertise` reaches the stages through these, so they stay out of the public API
    stageOf = (registry, name) => registry.#stages.get(name) ?? EMPTY_STAGE;
    declareName = (registry, name) => void registry.#advertised.add(name);
  }

  #add(
    name: string,
    kind: 'before' | 'around' | 'after',
    filter: BeforeFilter | AroundFilter | AfterFilter,
  ): Disposable {
    checkName(name);
    check(PKG, `${kind} filter`, filter, is.function);
    const entry: Entry<typeof filter> = { filter };
    this.#update(name, (stage) => ({ ...stage, [kind]: [...stage[kind], entry] }));
    return toDisposable(() =>
      this.#update(name, (stage) => ({
        ...stage,
        [kind]: (stage[kind] as readonly Entry<unknown>[]).filter((e) => e !== entry),
      })),
    );
  }

  #update(name: string, change: (stage: Stage) => Stage): void {
    const next = change(this.#stages.get(name) ?? EMPTY_STAGE);
    // an emptied name goes back to the shared empty stage so its calls take the fast path
    if (isEmpty(next)) this.#stages.delete(name);
    else this.#stages.set(name, next);
  }
}

/** The registry `advertise` uses when no `registry` option is given. */
export const defaultRegistry: AspectRegistry = new AspectRegistry();

/** Checks a join point name: a non-empty string. */
export function checkName(name: unknown): asserts name is string {
  check(PKG, 'name', name, is.string);
}
