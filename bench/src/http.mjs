// HTTP scenarios (issue 20): requests per second through @dyno/fetch against raw `fetch` on
// loopback, and hedging against a server with a long latency tail. Registered in scenarios.mjs.
import { createServer } from 'node:http';
import { seededRandom } from '@dyno/core/testing';
import { resilientFetch } from '@dyno/fetch';
import { measure } from './harness.mjs';

/** A loopback server; `delay(i)` says how long the i-th request waits before its answer. */
async function serve(delay = () => 0) {
  let i = 0;
  const timers = new Set();
  const server = createServer((_req, res) => {
    const ms = delay(i++);
    if (ms <= 0) {
      res.end('ok');
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      res.end('ok');
    }, ms);
    timers.add(t);
    res.on('close', () => clearTimeout(t));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    get requests() {
      return i;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/** Latencies (ms) of `count` GETs through `get`, `concurrency` at a time. */
async function latencies(get, count, concurrency) {
  const out = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      next++;
      const start = performance.now();
      await (await get()).text();
      out.push(performance.now() - start);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out.sort((a, b) => a - b);
}

export const HTTP_SCENARIOS = {
  fetch: {
    title: 'HTTP on loopback, success path',
    what: 'one GET answered at once by a local node:http server, body read: raw `fetch` against `resilientFetch()` with its defaults (retry, breaker per origin, timeouts, metrics); goal: at least 95 % of raw requests per second (ratio ≤ 1.05)',
    async run() {
      const server = await serve();
      const client = resilientFetch();
      try {
        const rows = await measure(
          [
            {
              label: 'raw `fetch`',
              lib: 'bare',
              baseline: true,
              kind: 'async',
              call: () => fetch(server.url).then((r) => r.text()),
            },
            {
              label: 'Dyno',
              lib: 'dyno',
              kind: 'async',
              call: () => client(server.url).then((r) => r.text()),
            },
          ],
          { targetMs: 150, warmupMs: 300 },
        );
        for (const r of rows) if (r.ns) r.note = `${Math.round(1e9 / r.ns)} requests/s`;
        return { rows };
      } finally {
        client.dispose();
        await server.close();
      }
    },
  },
  hedgeTail: {
    title: 'HTTP hedging against a long latency tail',
    what: '1,000 GETs, 8 at a time, to a server that answers in 2 ms, but in 100 ms for 3 % of requests (seeded): `resilientFetch` without and with `hedge: { delay: { percentile: 95 } }` (budget 10 %); goal: p99 at least 3× lower with at most 10 % extra requests',
    async run() {
      const random = seededRandom(20);
      const tail = () => (random() < 0.03 ? 100 : 2);
      const results = [];
      for (const hedged of [false, true]) {
        const server = await serve(tail);
        const client = resilientFetch(hedged ? { hedge: { delay: { percentile: 95 } } } : {});
        try {
          await latencies(() => client(server.url), 200, 8); // warm-up, and the percentile's samples
          const before = server.requests;
          const ms = await latencies(() => client(server.url), 1000, 8);
          results.push({
            hedged,
            p50: percentile(ms, 50),
            p99: percentile(ms, 99),
            extra: (server.requests - before) / 1000 - 1,
          });
        } finally {
          client.dispose();
          await server.close();
        }
      }
      const [plain, hedged] = results;
      const fmt = (r) =>
        `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${(r.extra * 100).toFixed(1)} % extra requests`;
      return {
        rows: [
          { lib: 'bare', label: 'without hedging', status: fmt(plain) },
          {
            lib: 'dyno',
            label: 'Dyno, hedged',
            status: `${fmt(hedged)}; p99 ${(plain.p99 / hedged.p99).toFixed(1)}× lower`,
          },
        ],
      };
    },
  },
};
