import { AsyncLocalStorage } from 'node:async_hooks';

/** One build in flight, as a `WaitGraph` sees it. */
export interface PendingBuild<L> {
  /** What names it in a cycle (a key, `<function>.<dependency>`). */
  readonly label: L;
  /** What it builds, if its owner needs to find it again (`WaitGraph.chainTo`). */
  readonly target: object | undefined;
  /** The build whose code started this one. */
  readonly parent: PendingBuild<L> | undefined;
  /** The builds this one's code started or joined while they were in flight. */
  readonly waitsOn: PendingBuild<L>[];
  done: boolean;
}

/**
 * Who waits on whom among builds in flight that later callers join (a registry's once-only
 * providers, an injected function's once-only dependencies), to tell a cycle from a slow build.
 * A flag set while a factory runs catches a factory that asks for its own value before its
 * first `await`; after an `await` its code runs on a later tick, so the build it belongs to
 * travels with it (`AsyncLocalStorage`), and every build records which builds it waits on.
 * Joining a build that already waits, directly or through others, on the build asking is a
 * cycle: it would wait for itself and never settle.
 *
 * On Node 20 an enabled `AsyncLocalStorage` turns on promise hooks for the whole process (a
 * service call measured 30-50 % slower), so the storage is enabled only while a build is in
 * flight: typically at start-up, or while a once-only value is first built. Code a factory
 * starts without awaiting it (a timer, a server's handler) counts as part of its build until
 * the build closes.
 */
export class WaitGraph<L> {
  readonly #running = new AsyncLocalStorage<PendingBuild<L>>();
  #inFlight = 0;

  /** How many builds are open (the storage is disabled at 0). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Starts a build for the code running now, which then waits on it. */
  open(label: L, target?: object): PendingBuild<L> {
    const parent = this.#running.getStore();
    const build: PendingBuild<L> = { label, target, parent, waitsOn: [], done: false };
    this.#inFlight++;
    if (parent !== undefined && !parent.done) parent.waitsOn.push(build);
    return build;
  }

  /** Runs `factory` as part of `build`: what it asks for, now or after an `await`, is `build`'s. */
  run<T>(build: PendingBuild<L>, factory: () => T): T {
    return this.#running.run(build, factory);
  }

  /** Ends a build: code still running in it (a timer it set) is nobody's build any more. */
  close(build: PendingBuild<L>): void {
    if (build.done) return;
    build.done = true;
    build.waitsOn.length = 0;
    if (--this.#inFlight === 0) this.#running.disable();
  }

  /**
   * Records that the code running now waits on `build`, in flight, which it joins; or answers
   * the labels of the cycle that joining would close (first and last the same).
   */
  join(build: PendingBuild<L>): L[] | undefined {
    const me = this.#running.getStore();
    if (me === undefined || me.done) return undefined;
    const path = reach(build, me, new Set());
    if (path !== undefined) return [...path, build.label];
    me.waitsOn.push(build);
    return undefined;
  }

  /**
   * The labels from the open build of `target` down to the code running now, or `undefined`
   * when the code running now was not started by it: the chain a synchronous re-entry closes.
   */
  chainTo(target: object): L[] | undefined {
    const chain: L[] = [];
    for (let b = this.#running.getStore(); b !== undefined && !b.done; b = b.parent) {
      chain.unshift(b.label);
      if (b.target === target) return chain;
    }
    return undefined;
  }
}

/** The labels from `from` to `to` along what builds wait on, or `undefined`. */
function reach<L>(
  from: PendingBuild<L>,
  to: PendingBuild<L>,
  seen: Set<PendingBuild<L>>,
): L[] | undefined {
  if (from === to) return [from.label];
  if (from.done || seen.has(from)) return undefined;
  seen.add(from);
  for (const next of from.waitsOn) {
    const path = reach(next, to, seen);
    if (path !== undefined) return [from.label, ...path];
  }
  return undefined;
}
