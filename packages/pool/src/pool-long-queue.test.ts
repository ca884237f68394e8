import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Pool } from './pool.js';
import { deferred } from './test-support/deferred.js';

describe('Pool after a long queue', () => {
  it('gives back the memory of 100,000 waiters once the queue drains', async () => {
    // the queue's ring doubled to hold the burst and kept that array for good: about 1 MB per
    // pool, held by an idle pool after every spike
    const heap = measureHeap();
    const pool = new Pool({ concurrency: 1, queue: Number.POSITIVE_INFINITY });
    const baseline = heap();
    const gate = deferred();
    const running = pool.execute(() => gate.promise);
    const queued = Array.from({ length: 100_000 }, (_, i) => pool.execute(() => i));
    expect(pool.queued).toBe(100_000);
    gate.resolve();
    await running;
    const results = await Promise.all(queued);
    expect(results[99_999]).toBe(99_999);
    expect(pool.queued).toBe(0);
    // nothing of the burst is held here any more
    queued.length = 0;
    results.length = 0;
    expect(heap() - baseline).toBeLessThan(256 * 2 ** 10);
    // and it takes a long queue again
    const again = deferred();
    const held = pool.execute(() => again.promise);
    const more = Array.from({ length: 1_000 }, (_, i) => pool.execute(() => i));
    again.resolve();
    await held;
    expect((await Promise.all(more))[999]).toBe(999);
  });
});

/** `heapUsed` after a full collection (gc exposed at run time, as `node --expose-gc` would). */
function measureHeap(): () => number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
}
