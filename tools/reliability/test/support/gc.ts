import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// jest runs tests in a vm context without the `gc` global even under `--expose-gc`; enabling the
// flag at run time and reading `gc` from a fresh context works either way.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as (options?: unknown) => void;

/** Lets pending jobs finish (so WeakRefs may clear), then runs a full garbage collection. */
export async function fullGc(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    collect();
  }
}

/** Heap in use after a full collection, in bytes. */
export async function heapAfterGc(): Promise<number> {
  await fullGc();
  return process.memoryUsage().heapUsed;
}
