// Captured at load so jest's fake timers, if a test installs them later, do not replace it.
const realSetImmediate = setImmediate;

/** Resolves after every promise callback queued so far (and those they queue) has run. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}
