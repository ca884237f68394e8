// HTTP scenarios (issue 20): requests per second through @dyno/fetch against raw `fetch` on
// loopback, and hedging against a server with a long latency tail. Registered in scenarios.mjs.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { measure, median } from './harness.mjs';

/**
 * A loopback server in a child process (src/http-server.mjs); `config.tail` gives it a seeded
 * latency tail. `requests()` asks it how many requests it has had.
 */
export async function startServer(config = {}) {
  const child = fork(
    fileURLToPath(new URL('http-server.mjs', import.meta.url)),
    [JSON.stringify(config)],
    { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const [{ port }] = await once(child, 'message');
  return {
    url: `http://127.0.0.1:${port}/`,
    async requests() {
      child.send('count');
      const [{ requests }] = await once(child, 'message');
      return requests;
    },
    async close() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

const HEDGE = {
  requests: 1000,
  warmup: 200,
  concurrency: 8,
  rounds: 5,
  tail: { p: 0.03, slowMs: 100, fastMs: 2 },
};
// percentiles drawn in docs/hedge.svg: 0 to 90 by 5, then finer up to the maximum
const CURVE_POINTS = [
  ...Array.from({ length: 19 }, (_, i) => i * 5),
  91,
  92,
  93,
  94,
  95,
  96,
  96.5,
  97,
  97.5,
  98,
  98.5,
  99,
  99.3,
  99.5,
  99.7,
  99.8,
  99.9,
  100,
];

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
      // loaded here, so an unbuilt package fails this scenario only
      const { resilientFetch } = await import('@dyno/fetch');
      const server = await startServer();
      const client = resilientFetch();
      const floor = 'raw `fetch`, `signal: new AbortController().signal`';
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
              // the floor of any call that can be aborted: the platform's fetch does more work
              // for any signal (on Node 20 a Request links it with a WeakRef and registers it for
              // finalization), and an attempt that must end at its timeout needs one
              label: floor,
              lib: 'platform',
              kind: 'async',
              call: () =>
                fetch(server.url, { signal: new AbortController().signal }).then((r) => r.text()),
            },
            {
              // what a raw call with the platform's own timeout costs (a timer as well)
              label: 'raw `fetch`, `signal: AbortSignal.timeout(30_000)`',
              lib: 'platform',
              kind: 'async',
              call: () =>
                fetch(server.url, { signal: AbortSignal.timeout(30_000) }).then((r) => r.text()),
            },
            {
              label: 'Dyno',
              lib: 'dyno',
              kind: 'async',
              call: () => client(server.url).then((r) => r.text()),
            },
          ],
          // batches of a second: shorter ones left the signal rows anywhere between 0.9x and 1.3x
          { targetMs: 1000, warmupMs: 1000, rounds: 9, reference: floor },
        );
        for (const r of rows) {
          if (!r.ns) continue;
          r.note = `${Math.round(1e9 / r.ns)} requests/s`;
          if (r.lib === 'dyno') r.note += `; ${r.toReference.toFixed(2)}× the abortable floor`;
        }
        return { rows };
      } finally {
        client.dispose();
        await server.close();
      }
    },
  },
  hedgeTail: {
    title: 'HTTP hedging against a long latency tail',
    what: `${HEDGE.requests.toLocaleString('en')} GETs, ${HEDGE.concurrency} at a time, to a server (its own process) that answers in ${HEDGE.tail.fastMs} ms, but in ${HEDGE.tail.slowMs} ms for ${HEDGE.tail.p * 100} % of requests (seeded): \`resilientFetch\` without and with \`hedge: { delay: { percentile: 95 } }\` (budget 10 %), after ${HEDGE.warmup} warm-up requests each; ${HEDGE.rounds} rounds, alternating, medians reported; goal: p99 at least 3× lower with at most 10 % extra requests. Plot: docs/hedge.svg`,
    async run() {
      // loaded here, so an unbuilt package fails this scenario only
      const { resilientFetch } = await import('@dyno/fetch');
      const rounds = { plain: [], hedged: [] };
      const all = { plain: [], hedged: [] };
      for (let round = 0; round < HEDGE.rounds; round++) {
        for (const hedged of round % 2 ? [true, false] : [false, true]) {
          const server = await startServer({ tail: { ...HEDGE.tail, seed: 20 + round } });
          const client = resilientFetch(hedged ? { hedge: { delay: { percentile: 95 } } } : {});
          try {
            // warm-up, and the hedge's latency samples
            await latencies(() => client(server.url), HEDGE.warmup, HEDGE.concurrency);
            const before = await server.requests();
            const stats0 = client.stats()[0];
            const ms = await latencies(() => client(server.url), HEDGE.requests, HEDGE.concurrency);
            const stats1 = client.stats()[0];
            const key = hedged ? 'hedged' : 'plain';
            all[key].push(...ms);
            rounds[key].push({
              p50: percentile(ms, 50),
              p99: percentile(ms, 99),
              extra: ((await server.requests()) - before) / HEDGE.requests - 1,
              hedges: stats1.hedges - stats0.hedges,
              wins: stats1.hedgeWins - stats0.hedgeWins,
            });
          } finally {
            client.dispose();
            await server.close();
          }
        }
      }
      const summary = (list) => ({
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        extra: median(list.map((r) => r.extra)),
        p99s: list.map((r) => r.p99),
        hedges: median(list.map((r) => r.hedges)),
        wins: median(list.map((r) => r.wins)),
      });
      const plain = summary(rounds.plain);
      const hedged = summary(rounds.hedged);
      const lower = plain.p99 / hedged.p99;
      const fmt = (r) =>
        `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (rounds: ${r.p99s.map((v) => v.toFixed(0)).join(', ')}), ${(r.extra * 100).toFixed(1)} % extra requests`;
      // the latency curves of every round together, for docs/hedge.svg (src/hedge-plot.mjs)
      const curve = (ms) => {
        const sorted = [...ms].sort((a, b) => a - b);
        return CURVE_POINTS.map((p) => [p, Math.round(percentile(sorted, p) * 100) / 100]);
      };
      return {
        rows: [
          { lib: 'bare', label: 'without hedging', status: fmt(plain) },
          {
            lib: 'dyno',
            label: 'Dyno, hedged',
            status: `${fmt(hedged)}; ${hedged.hedges} hedges, ${hedged.wins} won; p99 ${lower.toFixed(1)}× lower`,
          },
        ],
        hedge: {
          ...HEDGE,
          plain,
          hedged,
          lower,
          met: lower >= 3 && hedged.extra <= 0.1,
          curves: { plain: curve(all.plain), hedged: curve(all.hedged) },
        },
      };
    },
  },
};
