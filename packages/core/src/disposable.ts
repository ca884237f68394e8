/** Something that can be released; usable with `using` and by calling `dispose()`. */
export interface Disposable {
  /** Releases the resource. Calling it again does nothing. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Wraps a release function into a `Disposable` that runs it at most once. */
export function toDisposable(release: () => void): Disposable {
  let done = false;
  const dispose = (): void => {
    if (done) return;
    done = true;
    release();
  };
  return { dispose, [Symbol.dispose]: dispose };
}

/** A `Disposable` that releases nothing, for returning where there is nothing to undo. */
export const NOOP_DISPOSABLE: Disposable = Object.freeze({
  dispose() {},
  [Symbol.dispose]() {},
});
