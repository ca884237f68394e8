// A hit through the two tiers (issue 24): @dyno/cache's `Cache` over @dyno/cache-redis's
// `TieredStore` (a memory tier in front of a `RedisStore` on a local Redis, DYNO_REDIS_URL or a
// redis-server started here, as in fleet-rate.mjs), on a hot key already in the memory tier,
// beside the memory-only `Cache.get` and lru-cache's `fetch` (the cache scenario's own
// configurations, from the adapters). Registered in scenarios.mjs.
//
// Each configuration of Dyno is measured in a process of its own, with its peers (a bare await
// and lru-cache's `fetch`) beside it in that process, interleaved round by round: the memory-only
// row in this scenario's process, the two-tier row in a child (`tieredHitTwoTiers`, not listed in
// plan.mjs). Both rows once ran in one process: `Cache.get` then saw two clocks (`systemClock`
// and the Redis tier's wall clock) and two store classes, V8 deoptimised it ("wrong call target"
// at the clock read, "wrong map" at `store.get`) and recompiled it polymorphic: the two-tier row
// measured 1.69× lru-cache's `fetch` there, 1.62× in a process of its own (medians of 12 runs).
// A process with both kinds of cache pays that; the usual one has a single kind, which is what
// the rows show (decision 65: no row shares Dyno's classes with the row it is compared to).
import { Redis } from 'ioredis';
import { runScenario } from './child.mjs';
import { redis } from './fleet-rate.mjs';
import { measure } from './harness.mjs';

const VALUE = 42;
const REFERENCE = 'lru-cache fetch';
const TWO_TIERS = 'dyno Cache.get, TieredStore (memory hit)';
const fn = async () => VALUE;
const loader = async (key) => `value:${key}`;
const bare = { label: 'bare `await fn()`', lib: 'bare', baseline: true, kind: 'async', call: fn };

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

/** The async cache-hit subjects of the given libraries, exactly as the cache scenario builds them. */
async function peers(adapters, libraries) {
  const subjects = [];
  for (const a of adapters) {
    if (!libraries.includes(a.library) || typeof a.caps.cache !== 'function') continue;
    for (const v of await a.caps.cache(loader)) {
      if (v.kind !== 'async') continue; // lru-cache's synchronous `get` is in the cache scenario
      if ((await v.call()) !== 'value:k') throw new Error(`${v.label} returned a wrong value`);
      subjects.push({ lib: a.library, note: a.notes.cache, ...v });
    }
  }
  return subjects;
}

export const TIERED_SCENARIOS = {
  tieredHit: {
    title: 'Cache hit through the two tiers (memory in front of Redis)',
    what: "a hot key already in the memory tier of a `TieredStore` (memory tier in front of a `RedisStore` on a local redis-server, pub/sub bus subscribed), read by `Cache.get`; beside the memory-only `Cache.get` and lru-cache's `fetch` of the cache scenario; each Dyno row in a process of its own, with a bare await and lru-cache's `fetch` measured beside it there (a process with both kinds of cache makes `Cache.get` polymorphic); Redis's processed-command count is checked around the measurement (a memory hit never asks Redis); goal: within 1.5× of lru-cache's `fetch`",
    async run(adapters) {
      // this process never builds a `TieredStore`: the memory-only row keeps its call sites
      const subjects = [bare, ...(await peers(adapters, ['dyno', 'lru-cache']))];
      const rows = await measure(subjects, { reference: REFERENCE });
      const failures = [];
      const twoTiers = await runScenario(['tieredHitTwoTiers']);
      if (twoTiers.crash) {
        rows.push({ lib: 'dyno', label: TWO_TIERS, status: `error: ${twoTiers.crash}` });
      } else {
        rows.push(...twoTiers.rows);
        failures.push(...twoTiers.failures);
      }
      return { rows, failures, reference: REFERENCE };
    },
  },
  // The two-tier row of `tieredHit`, which runs it in a child process of its own.
  tieredHitTwoTiers: {
    title: 'Cache hit through the two tiers: the two-tier row',
    what: 'run by tieredHit in a process of its own',
    async run(adapters) {
      // loaded here, so an unbuilt package fails this row only
      const { Cache } = await import('@dyno/cache');
      const { RedisStore, TieredStore } = await import('@dyno/cache-redis');
      const server = await redis();
      const client = new Redis(server.url);
      const prefix = `bench:${process.pid}:tiered:`;
      let tiered;
      try {
        // the peers only: the memory-only `Cache.get` is measured in tieredHit's process
        const subjects = [bare, ...(await peers(adapters, ['lru-cache']))];
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
          label: TWO_TIERS,
          kind: 'async',
          call: () => cache.get('k', load),
          note: 'ttl 60 s, memoryTtl 60 s, XFetch refresh (default)',
        });
        await new Promise((r) => setTimeout(r, 50)); // the write-back of the first load lands
        const before = await commandStats(client);
        const measured = await measure(subjects, { reference: REFERENCE });
        const during = commandsBetween(before, await commandStats(client));
        const failures = [];
        const row = measured.find((r) => r.label === TWO_TIERS);
        const peer = measured.find((r) => r.label === REFERENCE);
        if (row) {
          row.note += `; in a process of its own, beside a bare await and lru-cache fetch (${peer?.ns?.toFixed(1)} ns there); Redis commands while measured: ${during.join(', ') || 'none'}`;
        }
        // a Redis of our own sees only this process; a shared one (DYNO_REDIS_URL) counts others too
        if (during.length > 0 && !process.env.DYNO_REDIS_URL) {
          failures.push(`two tiers: Redis was asked during memory hits (${during.join(', ')})`);
        }
        return { rows: row ? [row] : measured.filter((r) => r.lib === 'dyno'), failures };
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
