// The overload experiment (`node src/overload.mjs`, also run by `pnpm bench`): a local server
// whose latency grows with its concurrency (it serves CAPACITY_CONCURRENCY requests at once in
// SERVICE_MS; more share it and all take longer), driven by an open-loop load generator at 50 %
// to 300 % of its capacity, over loopback only. Compares no limit, fixed limits and the adaptive
// limit of @dyno/shed on goodput (200s answered within the client deadline, per second) and p99.
// Writes results/overload.json; `node src/overload-plot.mjs` draws docs/overload.svg from it.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http from 'node:http';

const SERVICE_MS = 50;
const CAPACITY_CONCURRENCY = 10;
const CAPACITY_RPS = (CAPACITY_CONCURRENCY * 1000) / SERVICE_MS; // 200
const LOADS = [0.5, 1, 1.5, 2, 3];
const PHASE_MS = Number(process.env.OVERLOAD_PHASE_MS ?? 1500);
const DEADLINE_MS = 1000; // the client gives up after this
const MAX_REQUESTS = 20_000; // per configuration, a hard bound
const BENCH_DIR = new URL('..', import.meta.url).pathname;

const { Shedder } = await import('@dyno/shed').catch(() => ({ Shedder: undefined }));

const CONFIGS = [
  { label: 'no limit', make: () => undefined },
  { label: 'fixed 5', make: () => new Shedder({ concurrency: 5, maxEventLoopDelay: false }) },
  { label: 'fixed 10', make: () => new Shedder({ concurrency: 10, maxEventLoopDelay: false }) },
  { label: 'fixed 40', make: () => new Shedder({ concurrency: 40, maxEventLoopDelay: false }) },
  {
    label: 'adaptive (gradient)',
    make: () =>
      new Shedder({
        concurrency: { algorithm: 'gradient' },
        maxEventLoopDelay: false,
      }),
  },
];

/** The simulated dependency-bound server: latency = SERVICE_MS × max(1, in flight ÷ capacity). */
function app() {
  let inFlight = 0;
  return (_request, response) => {
    inFlight++;
    const ms = SERVICE_MS * Math.max(1, inFlight / CAPACITY_CONCURRENCY);
    // like most servers, it finishes work whose client left
    setTimeout(() => {
      inFlight--;
      response.end('ok');
    }, ms);
  };
}

const p99 = (values) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
};

async function runConfig(config) {
  const shedder = config.make();
  const handler = shedder === undefined ? app() : shedder.handle(app());
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const phases = LOADS.map((load) => ({ load, sent: 0, ok: 0, shed: 0, late: 0, latencies: [] }));
  const limits = [];
  const pending = new Set();
  let sent = 0;
  // answers count in the phase during which they arrive (goodput is answers per second, never
  // more than the server can give); those after the last phase count nowhere
  let current;

  const send = (phase) => {
    sent++;
    phase.sent++;
    const start = performance.now();
    const request = http.request({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      response.resume();
      response.on('end', () => {
        const ms = performance.now() - start;
        const at = current ?? { latencies: [] };
        if (response.statusCode === 200 && ms <= DEADLINE_MS) {
          at.ok++;
          at.latencies.push(ms);
        } else if (response.statusCode === 503) at.shed++;
        else at.late++;
        done();
      });
    });
    const timer = setTimeout(() => {
      if (current !== undefined) current.late++;
      request.destroy();
      done();
    }, DEADLINE_MS);
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pending.delete(request);
    };
    request.on('error', done);
    pending.add(request);
    request.end();
  };

  for (const phase of phases) {
    current = phase;
    const rate = phase.load * CAPACITY_RPS;
    const begin = performance.now();
    let due = 0;
    while (performance.now() - begin < PHASE_MS && sent < MAX_REQUESTS) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const elapsed = performance.now() - begin;
      const target = Math.min(
        Math.floor((rate * elapsed) / 1000),
        Math.floor((rate * PHASE_MS) / 1000),
      );
      for (; due < target; due++) send(phase);
      if (shedder !== undefined) limits.push([phase.load, Math.round(elapsed), shedder.limit]);
    }
  }
  current = undefined;
  // let the last answers (or their deadlines) come in
  while (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  agent.destroy();
  server.closeAllConnections();
  server.close();
  shedder?.close();
  return {
    label: config.label,
    phases: phases.map(({ latencies, ...p }) => ({
      ...p,
      goodput: Math.round((p.ok * 1000) / PHASE_MS),
      p99: Math.round(p99(latencies) * 10) / 10,
    })),
    limits: limits.filter((_, i) => i % 10 === 0),
  };
}

export async function runOverload() {
  if (Shedder === undefined) return { error: '@dyno/shed not built' };
  const started = Date.now();
  const results = [];
  const only = process.env.OVERLOAD_ONLY; // a label, to run one configuration
  for (const config of CONFIGS) {
    if (only === undefined || config.label === only) results.push(await runConfig(config));
  }
  // every configuration is unloaded at 50 %: the median of their p99s there
  const unloaded = results.map((r) => r.phases[0].p99).sort((a, b) => a - b);
  const unloadedP99 = unloaded[Math.floor(unloaded.length / 2)];
  return {
    capacity: CAPACITY_RPS,
    serviceMs: SERVICE_MS,
    deadlineMs: DEADLINE_MS,
    phaseMs: PHASE_MS,
    loads: LOADS,
    unloadedP99,
    results,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** The markdown section of the report. */
export function renderOverload(data) {
  if (data.error) return `### Overload experiment\n\n${data.error}\n`;
  const head = `| configuration | ${data.loads.map((l) => `${l * 100} %`).join(' | ')} |`;
  const rule = `|---|${data.loads.map(() => '---').join('|')}|`;
  const rows = data.results.map(
    (r) =>
      `| ${r.label} | ${r.phases.map((p) => `${p.goodput} rps, p99 ${p.ok > 0 ? `${p.p99} ms` : '—'}`).join(' | ')} |`,
  );
  const adaptive = data.results.at(-1).phases.at(-1);
  const verdict =
    adaptive.goodput >= 0.9 * data.capacity && adaptive.p99 <= 2 * data.unloadedP99
      ? '✓ met'
      : '✗ not met';
  return [
    '### Overload experiment',
    '',
    `A server that serves ${CAPACITY_CONCURRENCY} requests at once in ${data.serviceMs} ms (capacity ${data.capacity} rps; more at once share it and take longer), open-loop load from 50 % to 300 % of capacity for ${data.phaseMs} ms each, clients give up after ${data.deadlineMs} ms. Goodput: 200s within the deadline per second (counted when they arrive); p99 of those. Unloaded p99 (median over the configurations at 50 %): ${data.unloadedP99} ms. Goal at 300 %: adaptive goodput ≥ 90 % of capacity and p99 ≤ 2× unloaded: ${verdict} (${adaptive.goodput} rps, p99 ${adaptive.p99} ms). Run took ${data.seconds} s.`,
    '',
    head,
    rule,
    ...rows,
    '',
  ].join('\n');
}

/** For `src/run.mjs`: runs the experiment, writes its data and plot, returns its section. */
export async function runOverloadPart() {
  const data = await runOverload();
  if (!data.error) {
    writeFileSync(`${BENCH_DIR}results/overload.json`, `${JSON.stringify(data, null, 1)}\n`);
    execFileSync(process.execPath, [`${BENCH_DIR}src/overload-plot.mjs`], { stdio: 'inherit' });
  }
  return `\n${renderOverload(data)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${(await runOverloadPart()).trimStart()}\n`);
}
