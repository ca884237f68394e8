import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// jest runs tests in a vm context without the `gc` global even under `--expose-gc`; enabling the
// flag at run time and reading `gc` from a fresh context works either way
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    collect();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * The heap each call of `make` leaves behind once what it made is garbage, in bytes. `make` runs
 * `n` times first, unmeasured: a weak table grows to its size once and keeps that capacity.
 */
export async function bytesLeftPerCall(n: number, make: () => unknown): Promise<number> {
  for (let i = 0; i < n; i++) make();
  const before = await heapAfterGc();
  for (let i = 0; i < n; i++) make();
  return ((await heapAfterGc()) - before) / n;
}
