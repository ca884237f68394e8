// One host of the fleet screenshot (`node scripts/screenshot.mjs fleet` starts several): real
// `@dyno/service` services under steady traffic, their metrics in one `MetricsRegistry`, served
// as a Hystrix stream on 127.0.0.1 (a free port, sent to the parent over IPC). The upstreams are
// fake (timers, no I/O); each host has its own trouble, so the aggregate has something to show.
// Exits when the parent goes away (IPC disconnect) or is told to (SIGTERM).
//
//   node scripts/fleet-host.mjs <index>     (only as a child of screenshot.mjs: needs IPC)
//
// `@dyno/service` is not a dependency of this package: it is loaded from its sibling's built
// `dist`, whose own imports resolve from packages/service (run `pnpm build` first).
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { hystrixStream, MetricsRegistry } from '@dyno/metrics';

const { service } = await import(new URL('../../service/dist/esm/index.js', import.meta.url).href);

if (typeof process.send !== 'function') {
  console.error('fleet-host.mjs runs as a child of screenshot.mjs (it needs an IPC channel)');
  process.exit(2);
}
const index = Number(process.argv[2] ?? 0);
const born = Date.now();
const seconds = () => (Date.now() - born) / 1000;

/** Latency around `median` ms with a long right tail (log-normal, σ 0.5). */
const latency = (median) =>
  median *
  Math.exp(
    0.5 * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random()),
  );

/**
 * The services of every host (the same names everywhere, as a fleet has): Hystrix group, calls
 * per second, median latency and failure rate (functions of this host's index and of time), and
 * the service's options.
 */
const SERVICES = [
  {
    name: 'search.query',
    group: 'search',
    rate: () => 90 + 10 * index,
    median: () => 11,
    failures: () => 0.002,
    options: { pool: { concurrency: 32 }, timeout: 500 },
  },
  {
    name: 'users.profile',
    group: 'users',
    rate: () => 48 + 6 * index,
    median: () => 24,
    failures: () => 0.004,
    options: { timeout: 500, fallback: null },
  },
  {
    // host 2 loses its payments provider a few seconds in: its breaker opens, the others stay
    // closed, so the cluster reads "Open 1, Closed 2"
    name: 'payments.charge',
    group: 'payments',
    rate: () => 30,
    median: () => 48,
    failures: (t) => (index === 2 && t > 6 ? 0.9 : 0.01),
    options: { timeout: 800, fallback: () => 'queued' },
  },
  {
    name: 'inventory.reserve',
    group: 'inventory',
    rate: () => 20,
    median: () => 35,
    failures: () => 0.12,
    options: { timeout: 500, retry: { attempts: 2 } },
  },
  {
    // host 1's shipping partner is slow: timeouts, and its pool of 8 fills up
    name: 'shipping.quote',
    group: 'shipping',
    rate: () => 26,
    median: () => (index === 1 ? 260 : 85),
    failures: () => 0.005,
    options: { timeout: 300, pool: { concurrency: 8 }, retry: false },
  },
];

const registry = new MetricsRegistry();
const calls = SERVICES.map((s) => {
  const fn = async ({ signal }) => {
    await delay(latency(s.median()), undefined, { signal });
    if (Math.random() < s.failures(seconds())) throw new Error(`${s.name}: upstream error`);
    return 'ok';
  };
  const metrics = registry.get(s.name, { group: s.group });
  const call = service(fn, { name: s.name, metrics, ...s.options });
  return { s, call };
});

// Traffic: every 50 ms, about rate / 20 calls per service (the remainder drawn at random).
const TICK = 50;
const traffic = setInterval(() => {
  for (const { s, call } of calls) {
    const mean = (s.rate() * TICK) / 1000;
    const n = Math.floor(mean) + (Math.random() < mean % 1 ? 1 : 0);
    for (let i = 0; i < n; i++) call().catch(() => {});
  }
}, TICK);

const stream = hystrixStream(registry);
const server = createServer((req, res) => {
  if (req.url?.startsWith('/hystrix.stream')) return stream(req, res);
  res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));

function stop() {
  clearInterval(traffic);
  stream.close();
  server.closeAllConnections();
  server.close();
  process.exit(0);
}
process.on('disconnect', stop);
process.on('SIGTERM', stop);
