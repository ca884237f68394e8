// A hit through the two tiers (issue 24): @dyno/cache's `Cache` over @dyno/cache-redis's
// `TieredStore` (a memory tier in front of a `RedisStore` on a local Redis, DYNO_REDIS_URL or a
// redis-server started here, as in fleet-rate.mjs), on a hot key already in the memory tier,
// beside the memory-only `Cache.get` and lru-cache's `fetch` (the cache scenario's own
// configurations, from the adapters). Registered in scenarios.mjs.
import { Redis } from 'ioredis';
import { redis } from './fleet-rate.mjs';
import { measure } from './harness.mjs';

const VALUE = 42;
const PEERS = new Set(['dyno', 'lru-cache']);

/** Calls per command Redis has processed so far (INFO itself is counted after it answers). */
async function commandStats(client) {
  const info = await client.info('commandstats');
  const out = new Map();
  for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    out.set(name, Number(calls));
  }
  return out;
}

/** The commands (other than INFO) run between two `commandStats`. */
function commandsBetween(before, after) {
  const ran = [];
  for (const [name, calls] of after) {
    const n = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (n > 0) ran.push(`${name} ×${n}`);
  }
  return ran;
}

export const TIERED_SCENARIOS = {
  tieredHit: {
    title: 'Cache hit through the two tiers (memory in front of Redis)',
    what: "a hot key already in the memory tier of a `TieredStore` (memory tier in front of a `RedisStore` on a local redis-server, pub/sub bus subscribed), read by `Cache.get`; beside the memory-only `Cache.get` and lru-cache's `fetch` of the cache scenario; Redis's processed-command count is checked around the measurement (a memory hit never asks Redis); goal: within 1.5× of lru-cache's `fetch`",
    async run(adapters) {
      // loaded here, so an unbuilt package fails this scenario only
      const { Cache } = await import('@dyno/cache');
      const { RedisStore, TieredStore } = await import('@dyno/cache-redis');
      const fn = async () => VALUE;
      const loader = async (key) => `value:${key}`;
      const server = await redis();
      const client = new Redis(server.url);
      const prefix = `bench:${process.pid}:tiered:`;
      let tiered;
      try {
        const subjects = [
          { label: 'bare `await fn()`', lib: 'bare', baseline: true, kind: 'async', call: fn },
        ];
        const rows = [];
        // The memory-only `Cache.get` and lru-cache's `fetch`, exactly as the cache scenario builds them.
        for (const a of adapters) {
          if (!PEERS.has(a.library) || typeof a.caps.cache !== 'function') continue;
          for (const v of await a.caps.cache(loader)) {
            if (v.kind !== 'async') continue; // lru-cache's synchronous `get` is in the cache scenario
            if ((await v.call()) !== 'value:k')
              throw new Error(`${v.label} returned a wrong value`);
            subjects.push({ lib: a.library, note: a.notes.cache, ...v });
          }
        }
        const store = new RedisStore({ client, prefix });
        tiered = new TieredStore({ redis: store, maxEntries: 1000, memoryTtl: 60_000 });
        for (let i = 0; i < 200 && !tiered.connected; i++)
          await new Promise((r) => setTimeout(r, 10));
        const cache = new Cache({ store: tiered, ttl: 60_000 });
        const load = () => loader('k');
        await cache.get('k', load); // a miss: loaded, written to both tiers
        if ((await cache.get('k', load)) !== 'value:k') throw new Error('two tiers: wrong value');
        if (tiered.memory.size !== 1) throw new Error('two tiers: the key is not in memory');
        subjects.push({
          lib: 'dyno',
          label: 'dyno Cache.get, TieredStore (memory hit)',
          kind: 'async',
          call: () => cache.get('k', load),
          note: 'ttl 60 s, memoryTtl 60 s, XFetch refresh (default)',
        });
        await new Promise((r) => setTimeout(r, 50)); // the write-back of the first load lands
        const before = await commandStats(client);
        rows.push(...(await measure(subjects, { reference: 'lru-cache fetch' })));
        const during = commandsBetween(before, await commandStats(client));
        const failures = [];
        const row = rows.find((r) => r.label.includes('TieredStore'));
        if (row) row.note += `; Redis commands while measured: ${during.join(', ') || 'none'}`;
        // a Redis of our own sees only this process; a shared one (DYNO_REDIS_URL) counts others too
        if (during.length > 0 && !process.env.DYNO_REDIS_URL) {
          failures.push(`two tiers: Redis was asked during memory hits (${during.join(', ')})`);
        }
        return { rows, failures, reference: 'lru-cache fetch' };
      } finally {
        tiered?.dispose(); // closes the subscriber connection it made
        const keys = await client.keys(`${prefix}*`).catch(() => []);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
        server.stop();
      }
    },
  },
};
