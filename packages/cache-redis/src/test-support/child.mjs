// One of the processes of the shared-Redis stampede test. It runs two caches on one Redis, each
// with concurrent callers for the same time: `lease` (XFetch plus the SET NX PX lease) and
// `plain` (a plain TTL cache: no early refresh, no lease). It reports every recompute. `code` is
// the directory of the transpiled packages (see transpile.ts). `skew` (ms, default 0) sets this
// process's wall clock that far from the others', as on a host whose clock is wrong.
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

const [code, url, prefix, ttl, delta, callers, duration, skew = '0'] = process.argv.slice(2);
const from = (path) => import(pathToFileURL(`${code}/${path}`).href);
const { Cache, xfetch } = await from('cache/index.js');
const { RedisStore } = await from('cache-redis/index.js');
const TTL = Number(ttl);
const DELTA = Number(delta);
const client = new Redis(url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SKEW = Number(skew);
const clock = {
  now: () => Date.now() + SKEW,
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

function scenario(name, cacheOptions, storeOptions) {
  const store = new RedisStore({ client, prefix: `${prefix}${name}:`, clock, ...storeOptions });
  const cache = new Cache({ store, ttl: TTL, ...cacheOptions });
  const loads = [];
  let waited = 0;
  let calls = 0;
  const loader = async () => {
    const load = { start: Date.now(), end: 0 };
    loads.push(load);
    await sleep(DELTA);
    load.end = Date.now();
    return load.start;
  };
  const run = async (until) => {
    while (Date.now() < until) {
      const asked = Date.now();
      await cache.get('hot', loader);
      calls++;
      // a call that took half a recompute or more waited for one
      if (Date.now() - asked >= DELTA / 2) waited++;
      await sleep(10 + Math.random() * 20);
    }
  };
  return { run, result: () => ({ loads, waited, calls }) };
}

const lease = scenario('lease', { refresh: xfetch() }, { lease: { ttl: 2000, retry: 10 } });
const plain = scenario('plain', { refresh: false }, {});
await new Promise((r) => client.once('ready', r));
process.send({ ready: true });
const start = await new Promise((r) => process.once('message', (m) => r(m.start)));
await sleep(Math.max(0, start - Date.now()));
const until = start + Number(duration);
const runs = [];
for (let i = 0; i < Number(callers); i++) runs.push(lease.run(until), plain.run(until));
await Promise.all(runs);
process.send({ lease: lease.result(), plain: plain.result() });
await client.quit();
process.disconnect();
