import { ManualClock } from '@dyno/core/testing';
import { Pool, type PoolOptions, Timeout, TimeoutError } from '@dyno/pool';
import type { ServiceOptions } from './options.js';
import { service } from './service.js';
import type { ServiceContext } from './service-context.js';

type Combination = (clock: ManualClock, pool: PoolOptions) => ServiceOptions;

/** Every way to write "a bulkhead of `pool` with a deadline of 50 ms per attempt". */
const combinations: [string, Combination][] = [
  ['pool options + timeout: 50', (_, pool) => ({ pool, timeout: 50 })],
  ['pool options with timeout: 50', (_, pool) => ({ pool: { ...pool, timeout: 50 } })],
  [
    'pool options + a Timeout',
    (clock, pool) => ({ pool, timeout: new Timeout({ timeout: 50, clock }) }),
  ],
  [
    'a shared Pool + timeout: 50',
    (clock, pool) => ({ pool: new Pool({ ...pool, clock }), timeout: 50 }),
  ],
  [
    'a shared Pool with timeout: 50',
    (clock, pool) => ({ pool: new Pool({ ...pool, clock, timeout: 50 }) }),
  ],
  [
    'a shared Pool + a Timeout',
    (clock, pool) => ({
      pool: new Pool({ ...pool, clock }),
      timeout: new Timeout({ timeout: 50, clock }),
    }),
  ],
];

/** Runs a call every 60 ms for 600 ms against a dependency that hangs, ignoring its signal. */
async function maxRunning(combination: Combination, pool: PoolOptions) {
  const clock = new ManualClock();
  let running = 0;
  let max = 0;
  const finishers: (() => void)[] = [];
  const fn = (_: ServiceContext) => {
    max = Math.max(max, ++running);
    return new Promise<string>((resolve) => {
      finishers.push(() => {
        running--;
        resolve('late');
      });
    });
  };
  const s = service(fn, { clock, retry: false, breaker: false, ...combination(clock, pool) });
  const errors: unknown[] = [];
  for (let i = 0; i < 10; i++) {
    s().catch((e: unknown) => errors.push(e));
    await clock.advance(60);
  }
  for (const finish of finishers) finish();
  await clock.advance(1000);
  return { max, errors, timeouts: errors.filter((e) => TimeoutError.isInstance(e)).length };
}

describe('service bulkhead, however the options are written', () => {
  it.each(combinations)(
    'never runs more fn bodies than the concurrency when the slot is kept: %s',
    async (_, combination) => {
      const { max, timeouts } = await maxRunning(combination, {
        concurrency: 1,
        abandonAfter: false,
      });
      expect(max).toBe(1);
      expect(timeouts).toBe(1);
    },
  );

  it.each(combinations)(
    'never runs more than concurrency + maxAbandoned fn bodies: %s',
    async (_, combination) => {
      const { max, timeouts } = await maxRunning(combination, {
        concurrency: 1,
        maxAbandoned: 1,
      });
      expect(max).toBe(2);
      expect(timeouts).toBe(2);
    },
  );
});
