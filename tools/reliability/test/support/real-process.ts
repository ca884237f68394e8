import { runInThisContext } from 'node:vm';

/**
 * The real `process`. jest hands each test file a copy of it, and events such as
 * `unhandledRejection` and `warning` are emitted on the real one only: a listener added to the
 * copy never hears them, so a check like "no unhandled rejection" would pass vacuously.
 */
export const realProcess = runInThisContext('process') as NodeJS.Process;
