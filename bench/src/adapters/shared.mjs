// Helpers shared by adapters.

/** Runs a failing call until `isOpen()` says the breaker tripped; throws if it never does. */
export async function tripUntil(call, isOpen, max = 1000) {
  for (let i = 0; i < max && !isOpen(); i++) {
    try {
      await call();
    } catch {
      // expected: these calls fail on purpose
    }
  }
  if (!isOpen()) throw new Error(`breaker did not open after ${max} failing calls`);
}

/** Tries option candidates in order (Dyno rejects unknown keys), returning the first that works. */
export function construct(make, candidates) {
  let lastError;
  for (const options of candidates) {
    try {
      return { value: make(options), options };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
