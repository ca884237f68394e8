import { Cache } from '@dyno/cache';
import { type Clock, type ListenerErrorEvent, onListenerError, type TimerHandle } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { redisForTests, type TestRedis, uniquePrefix, watchCommands } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisStore } from './redis-store.js';

// Three caches on one Redis, each on its own RedisStore, as three processes would be.
let server: TestRedis;
let client: Redis;
let commands: ReturnType<typeof watchCommands>;
const base = uniquePrefix('lease');

beforeAll(async () => {
  server = await redisForTests();
  client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  commands = watchCommands(client);
});

afterAll(async () => {
  commands.restore();
  await new RedisStore({ client, prefix: base }).clear();
  await client.quit();
  await server.stop();
});

/** Until Redis answered all the caches asked, and they went on with the answers. */
const answered = () => commands.idle();

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function fleet(lease: { ttl: number; retry: number }, clock?: Clock) {
  const prefix = `${base}${Math.random().toString(36).slice(2)}:`;
  const stores = [0, 1, 2].map(
    () => new RedisStore({ client, prefix, lease, ...(clock ? { clock } : {}) }),
  );
  const caches = stores.map((store) => new Cache<string>({ store, ttl: 60_000, refresh: false }));
  return { prefix, stores, caches };
}

describe('the Redis lease with three caches', () => {
  it('a failed holder releases at once and exactly one waiter takes over, long before the ttl', async () => {
    const clock = new ManualClock(1_000_000);
    const { caches } = fleet({ ttl: 5000, retry: 50 }, clock);
    const first = deferred<string>();
    const holder = caches[0]!.get('k', () => first.promise);
    await answered();
    expect(await client.keys(`${base}*lease*`)).toHaveLength(1); // the holder took the lease
    const calls: number[] = [];
    const took = deferred<string>();
    const waiters = [1, 2].map((i) =>
      caches[i]!.get('k', () => {
        calls.push(i);
        return took.promise;
      }),
    );
    // both waiters are looking at the lease now
    for (let i = 0; i < 5; i++) {
      await clock.advance(50);
      await answered();
    }
    const failedAt = clock.now();
    first.reject(new Error('loader failed'));
    await expect(holder).rejects.toThrow('loader failed');
    while (calls.length === 0 && clock.now() - failedAt < 5000) {
      await clock.advance(10);
      await answered();
    }
    expect(calls).toHaveLength(1);
    expect(clock.now() - failedAt).toBeLessThanOrEqual(200); // not the lease's 5 s
    took.resolve('taken over');
    const settled = Promise.all(waiters);
    for (let i = 0; i < 400 && calls.length < 3; i++) {
      const done = await Promise.race([settled.then(() => true), answered().then(() => false)]);
      if (done) break;
      await clock.advance(10);
    }
    await expect(settled).resolves.toEqual(['taken over', 'taken over']);
    expect(calls).toHaveLength(1);
  });

  it('a crashed holder costs at most the lease ttl, then one loader for all the waiters', async () => {
    // on a manual clock: the crashed holder's lease is made to run out in Redis exactly when the
    // clock reaches its ttl (Redis would drop it on its own clock, which this test cannot move)
    const clock = new ManualClock(1_000_000);
    const { prefix, stores, caches } = fleet({ ttl: 5000, retry: 50 }, clock);
    // a holder that took the lease and died: nobody releases or renews it
    const crashed = await stores[0]!.lease!.acquire('k');
    expect(crashed).toEqual(expect.any(String));
    const leaseKeys = await client.keys(`${prefix}*lease*`);
    expect(leaseKeys).toHaveLength(1);
    const leaseKey = leaseKeys[0]!;
    const started = clock.now();
    const load = deferred<string>();
    let loads = 0;
    const loader = () => {
      loads++;
      return load.promise;
    };
    const got = Promise.all([1, 2].map((i) => caches[i]!.get('k', loader)));
    // moves the clock in `retry` steps, letting the waiters' Redis calls land, while `busy()`
    const advance = async (busy: () => boolean, limit: number) => {
      for (let i = 0; i < limit && busy(); i++) {
        await clock.advance(50);
        await answered();
      }
    };
    await advance(() => clock.now() - started < 5000, 200);
    expect(loads).toBe(0); // nobody loads while the crashed lease is there
    await client.del(leaseKey); // the lease ran out
    await advance(() => loads === 0, 20);
    expect(loads).toBe(1); // exactly one waiter took over, within one retry or two of the ttl
    expect(clock.now() - started).toBeLessThanOrEqual(5000 + 2 * 50);
    // the new holder's load outlasts the other waiter's first ttl-long wait: that one goes on
    // waiting for the new holder instead of loading as well
    await advance(() => clock.now() - started < 5000 + 3000, 100);
    expect(loads).toBe(1);
    load.resolve('loaded by the new holder');
    let settled = false;
    void got.then(() => {
      settled = true;
    });
    await advance(() => !settled, 40);
    await expect(got).resolves.toEqual(['loaded by the new holder', 'loaded by the new holder']);
    expect(loads).toBe(1);
  });

  it('renews a held lease only with its token', async () => {
    const { prefix, stores } = fleet({ ttl: 5000, retry: 50 });
    const lease = stores[0]!.lease!;
    const token = (await lease.acquire('k')) as string;
    const key = `${prefix}\u0000lease\u0000k`;
    await client.pexpire(key, 100);
    await expect(lease.renew!('k', token)).resolves.toBe(true);
    expect(await client.pttl(key)).toBeGreaterThan(4000);
    await expect(lease.renew!('k', 'not-mine')).resolves.toBe(false);
    await lease.release('k', token);
    await expect(lease.renew!('k', token)).resolves.toBe(false);
  });

  it('a load slower than the ttl keeps its lease, so nobody else starts one', async () => {
    const clock = new ManualClock(1_000_000);
    const { stores, caches } = fleet({ ttl: 1000, retry: 50 }, clock);
    const evals = jest.spyOn(client, 'eval');
    const renewals = () => evals.mock.calls.filter((c) => String(c[0]).includes('pexpire'));
    const slow = deferred<string>();
    const holder = caches[0]!.get('k', () => slow.promise);
    for (let i = 0; i < 20 && renewals().length === 0; i++) {
      await clock.advance(250);
      await answered();
    }
    expect(renewals().length).toBeGreaterThan(0);
    await expect(stores[1]!.lease!.acquire('k')).resolves.toBeUndefined();
    slow.resolve('slow value');
    await expect(holder).resolves.toBe('slow value');
    evals.mockRestore();
  });

  it('waits on a lease by its time left and stops when it is gone or the signal aborts', async () => {
    const clock = new ManualClock(1_000_000);
    const { stores } = fleet({ ttl: 5000, retry: 1000 }, clock);
    const lease = stores[0]!.lease!;
    const controller = new AbortController();
    await expect(lease.wait!('free', 5000, controller.signal)).resolves.toBe(true); // at once
    const token = (await lease.acquire('k')) as string;
    let done = false;
    const waiting = lease.wait!('k', 5000, controller.signal).then((free) => {
      done = true;
      return free;
    });
    await answered();
    await lease.release('k', token);
    await clock.advance(1000); // its next look finds the lease gone
    await answered();
    expect(done).toBe(true);
    await expect(waiting).resolves.toBe(true);
    await lease.acquire('k');
    const bounded = lease.wait!('k', 300, controller.signal);
    await answered();
    await clock.advance(300);
    await expect(bounded).resolves.toBe(false); // gives up after `ms`
    const aborted = lease.wait!('k', 5000, controller.signal);
    const reason = new Error('stop');
    await answered();
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await expect(lease.wait!('k', 5000, controller.signal)).rejects.toBe(reason);
  });

  it('regression: a clock that reads NaN while a process waits on the lease does not make it load as well', async () => {
    // the lease timed its wait on the store's clock as it came: a NaN deadline made it sleep NaN
    // ms, a RangeError the cache counted as a store failure, and the waiter loaded beside the holder
    const reports: ListenerErrorEvent[] = [];
    using _ = onListenerError((e) => reports.push(e));
    const manual = new ManualClock(1_000_000);
    let broken = false;
    const clock: Clock = {
      now: () => (broken ? Number.NaN : manual.now()),
      setTimeout: (callback: () => void, ms: number) => manual.setTimeout(callback, ms),
      clearTimeout: (handle: TimerHandle) => manual.clearTimeout(handle),
    };
    const { caches } = fleet({ ttl: 5000, retry: 50 }, clock);
    const errors: unknown[] = [];
    caches[1]!.onError((e) => errors.push(e.error));
    const first = deferred<string>();
    const holder = caches[0]!.get('k', () => first.promise);
    await answered();
    let loads = 0;
    const waiter = caches[1]!.get('k', () => {
      loads++;
      return Promise.resolve('loaded by the waiter');
    });
    await manual.advance(50);
    await answered();
    broken = true;
    await manual.advance(50);
    await answered();
    broken = false;
    for (let i = 0; i < 3; i++) {
      await manual.advance(50);
      await answered();
    }
    first.resolve('loaded by the holder');
    await expect(holder).resolves.toBe('loaded by the holder');
    let settled = false;
    void waiter.then(() => {
      settled = true;
    });
    for (let i = 0; i < 20 && !settled; i++) {
      await manual.advance(50);
      await answered();
    }
    await expect(waiter).resolves.toBe('loaded by the holder');
    expect(loads).toBe(0);
    expect(errors).toEqual([]);
    expect(reports.length).toBeGreaterThan(0); // the bad reading is reported, not silent
  });
});
