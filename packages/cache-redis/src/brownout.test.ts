import { Cache } from '@dyno/cache';
import { startRedis, type TestRedis } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { RedisStore } from './redis-store.js';
import { TieredStore } from './tiered-store.js';

// A Redis brownout: the server is paused (`CLIENT PAUSE ... ALL` from a second connection), so
// the client stays `ready` and every command just hangs. This file pauses a server of its own,
// whatever DYNO_REDIS_URL says. The one place a test bounds real time: the fault is real.
const BUDGET = 200; // the cache's time budget for the store work of one get
const PAUSE = 1200;
let server: TestRedis;
let client: Redis;
let admin: Redis;

beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url);
  admin = new Redis(server.url);
  await Promise.all([client.ping(), admin.ping()]);
});

afterAll(async () => {
  client.disconnect();
  admin.disconnect();
  await server.stop();
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('a Cache on Redis during a brownout', () => {
  it('waits at most its budget per get, skips Redis after repeated failures, then tries again', async () => {
    const store = new RedisStore({
      client,
      prefix: 'brownout:',
      lease: true,
      timeout: 500,
      circuit: { failures: 3, cooldown: 300 },
    });
    // both circuits (the cache's and the store's) give Redis another try 300 ms after opening
    const storeCircuit = { failures: 5, cooldown: 300 };
    const cache = new Cache<string>({ store, ttl: 60_000, storeTimeout: BUDGET, storeCircuit });
    const tiered = new TieredStore({ redis: store, name: 'tiered' });
    const fleetCache = new Cache<string>({
      store: tiered,
      ttl: 60_000,
      storeTimeout: BUDGET,
      storeCircuit,
    });
    const circuit: string[] = [];
    // when each circuit last opened, on the real clock their cooldowns run on
    const opened = { store: 0, cache: 0 };
    const storeOpened = new Promise<void>((resolve) =>
      store.onCircuit((e) => {
        circuit.push(e.to);
        if (e.to !== 'open') return;
        opened.store = performance.now();
        resolve();
      }),
    );
    cache.onStoreCircuit((e) => {
      if (e.state === 'open') opened.cache = performance.now();
    });
    const loader = ({ key }: { key: string }) => `${key}!`;
    try {
      await cache.get('warm', loader);
      await fleetCache.get('hot', loader); // now in the memory tier

      const paused = performance.now();
      await admin.client('PAUSE', PAUSE, 'ALL');
      expect(client.status).toBe('ready');
      const waits: number[] = [];
      for (const key of ['a', 'b', 'c', 'd', 'e']) {
        const { value, ms } = await timed(() => cache.get(key, loader));
        expect(value).toBe(`${key}!`);
        waits.push(ms);
      }
      const hot = await timed(() => fleetCache.get('hot', loader));
      const cold = await timed(() => fleetCache.get('cold', loader));
      // read + lease + write would be three store timeouts (1.5 s); the write-back is never awaited.
      // The bound leaves 300 ms for a loaded machine and stays below two store timeouts (1 s).
      const bound = BUDGET + 300;
      for (const ms of waits) expect(ms).toBeLessThan(bound);
      expect(hot.value).toBe('hot!');
      expect(hot.ms).toBeLessThan(bound);
      expect(cold.value).toBe('cold!');
      expect(cold.ms).toBeLessThan(bound);
      // the store's own commands time out after 500 ms: three of them open its circuit
      await storeOpened;
      expect(performance.now() - paused).toBeLessThan(PAUSE);
      expect(store.circuit).not.toBe('closed');

      // after the pause and the cooldowns, Redis is used again
      await admin.ping(); // paused too: answered once the pause is over
      // the circuits' cooldowns (300 ms) run on the real clock: the one wait this test must make
      const cooled = Math.max(opened.store, opened.cache) + 300;
      await new Promise((r) => setTimeout(r, Math.max(0, cooled - performance.now())));
      await cache.get('after', loader);
      for (let i = 0; i < 50 && (await client.exists('brownout:after')) === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await expect(client.exists('brownout:after')).resolves.toBe(1);
      expect(store.circuit).toBe('closed');
    } finally {
      tiered.dispose();
    }
  }, 10_000);

  it("regression: keeps serving the memory tier once the cache's own circuit opened", async () => {
    const redis = new RedisStore({ client, prefix: 'brownout-memory:', timeout: 500 });
    const tiered = new TieredStore({ redis, name: 'tiered-memory' });
    const cache = new Cache<string>({
      store: tiered,
      ttl: 60_000,
      storeTimeout: BUDGET,
      storeCircuit: { failures: 2, cooldown: 5000 },
    });
    const states: string[] = [];
    cache.onStoreCircuit((e) => states.push(e.state));
    const loads: string[] = [];
    const loader = ({ key }: { key: string }) => {
      loads.push(key);
      return `${key}!`;
    };
    try {
      await cache.get('hot', loader); // now in the memory tier
      await admin.client('PAUSE', PAUSE, 'ALL');
      // misses in memory wait on Redis past the cache's budget: its circuit opens
      for (let i = 0; !states.includes('open') && i < 5; i++) await cache.get(`cold${i}`, loader);
      expect(states).toEqual(['open']);
      for (let i = 0; i < 5; i++) await expect(cache.get('hot', loader)).resolves.toBe('hot!');
      expect(loads.filter((k) => k === 'hot')).toHaveLength(1); // the memory tier answered
    } finally {
      cache.dispose();
      tiered.dispose();
      await admin.ping(); // paused too: answered once the pause ended, before the server stops
    }
  }, 10_000);
});
