// One process of the two-tier fleet test: a Cache on a TieredStore (memory tier + Redis tier +
// pub/sub bus). The parent drives it over IPC; every answer is { id, ... }. `code` is the
// directory of the transpiled packages (see transpile.ts).
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

const [code, url, prefix, name] = process.argv.slice(2);
const from = (path) => import(pathToFileURL(`${code}/${path}`).href);
const { Cache } = await from('cache/index.js');
const { RedisStore, TieredStore } = await from('cache-redis/index.js');

const unhandled = [];
process.on('unhandledRejection', (reason) => unhandled.push(String(reason)));
const client = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: 0 });
client.on('error', () => {});
const redis = new RedisStore({
  client,
  prefix,
  timeout: 300,
  circuit: { failures: 3, cooldown: 200 },
});
const store = new TieredStore({ redis, name });
const cache = new Cache({ store, ttl: 60_000, storeTimeout: 300 });
const loader = ({ key }) => `${key} loaded by ${name}`;

// the store's writes under way: a load's write-back runs behind its callers
const writes = new Set();
const set = store.set.bind(store);
store.set = (...args) => {
  const write = set(...args);
  const forget = () => writes.delete(write);
  writes.add(write);
  write.then(forget, forget);
  return write;
};
store.onBusMessage((e) => process.send({ bus: e.type, key: e.key, at: Date.now() }));

/** Calls for `ms` from 4 workers; `going()` once 10 calls settled (Redis is then in use). */
async function storm(ms, going) {
  const until = Date.now() + ms;
  const outcomes = { values: 0, errors: [], started: 0 };
  const worker = async (w) => {
    for (let i = 0; Date.now() < until; i++) {
      outcomes.started++;
      try {
        const value = await cache.get(`storm:${w}:${i % 20}`, loader);
        if (typeof value === 'string') outcomes.values++;
        else outcomes.errors.push(`not a value: ${String(value)}`);
      } catch (error) {
        outcomes.errors.push(`${error?.code ?? error?.name}: ${error?.message}`);
      }
      if (outcomes.values + outcomes.errors.length === 10) going();
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  return outcomes;
}

// a load the parent lands when it chooses: `slow` starts it, `land` lets its loader answer
let landing;
let slow;

process.on('message', async (m) => {
  const reply = (data) => process.send({ id: m.id, ...data });
  try {
    if (m.cmd === 'get') reply({ value: await cache.get(m.key, loader) });
    else if (m.cmd === 'set') reply({ done: await cache.set(m.key, m.value) });
    else if (m.cmd === 'delete') reply({ done: await cache.delete(m.key) });
    else if (m.cmd === 'slow') {
      const loaded = new Promise((resolve) => {
        landing = resolve;
      });
      slow = cache.get(m.key, () => loaded);
      reply({ started: true });
    } else if (m.cmd === 'land') {
      landing(m.value);
      const value = await slow;
      // a write-back, if the load made one, has begun by now: answer once it reached Redis
      await new Promise((r) => setImmediate(r));
      await Promise.allSettled([...writes]);
      reply({ value });
    } else if (m.cmd === 'storm') reply(await storm(m.ms, () => process.send({ storming: true })));
    else if (m.cmd === 'exit') {
      cache.dispose();
      store.dispose();
      client.disconnect();
      reply({ unhandled });
      process.disconnect();
    }
  } catch (error) {
    reply({ error: String(error?.message ?? error) });
  }
});

await new Promise((resolve) => {
  if (store.connected) resolve();
  else store.onBusState((e) => e.connected && resolve());
});
process.send({ ready: true });
