// The scale scenario: a gateway wrapping 10,000 upstreams in one process, one `@dyno/service`
// each (retry, breaker, pool, timeout, metrics: the defaults), every service's `Metrics` taken
// from one `MetricsRegistry`, as the dashboard's README wires them. Traffic comes from a fake
// upstream per service (no I/O: an immediate answer or a timer of 1 to 60 ms, failures at a rate
// of the service's own); then the heap per service, idle and after the traffic, and the time to
// read every service at once: `registry.snapshot()`, `prometheusText(registry)` (what a scrape of
// `prometheusHandler` renders) and one beat of the Hystrix stream. Registered in scenarios.mjs;
// `src/run.mjs` runs it in a child (`node --expose-gc src/scenario.mjs scale`) and appends
// `scaleSection` to the report. BENCH_SCALE_SERVICES changes the count (default 10,000).
import { seededRandom } from '@dyno/core/testing';
import { envNumber, median } from './harness.mjs';

const SERVICES = Math.round(envNumber('BENCH_SCALE_SERVICES', 10_000));
const WAVES = 20; // calls per service
const WAVE_GAP_MS = 5; // between waves (a wave is started in one go, then the loop yields)
const REPEATS = 3; // timed reads of every service, the median reported
const WARM = 50; // services built, called and read before the measurement (code and shapes)

// deterministic randomness, so every run sees the same traffic
const random = seededRandom(2025);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Failure rate of service `i`: most 1 %, one in ten 10 %, one in a hundred 70 % (trips). */
const failureRate = (i) => (i % 100 === 99 ? 0.7 : i % 10 === 9 ? 0.1 : 0.01);

/** Latency of one call in ms: 0 (answered at once) for 60 %, else a timer of 1 to 60 ms. */
function latency() {
  const r = random();
  if (r < 0.6) return 0;
  if (r < 0.9) return 1 + Math.floor(random() * 5);
  if (r < 0.99) return 5 + Math.floor(random() * 15);
  return 20 + Math.floor(random() * 40);
}

/** One upstream's fake client: resolves or rejects after its latency. */
function upstream(i) {
  const rate = failureRate(i);
  const error = new Error(`upstream ${i} failed`);
  return async () => {
    const ms = latency();
    if (ms > 0) await sleep(ms);
    if (random() < rate) throw error;
    return i;
  };
}

/** Heap used (as asked), and heap plus ArrayBuffer stores (as the memory scenario counts). */
function heap() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, total: m.heapUsed + m.arrayBuffers };
}

const ms = (t0) => performance.now() - t0;

/** `repeat` timed runs of `read`: the first (cold) and the median of all. */
function timed(read, repeat = REPEATS) {
  const times = [];
  let out;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    out = read();
    times.push(ms(t0));
  }
  return { first: times[0], median: median(times), out };
}

/** Builds `count` services named `${prefix}${i}`, their metrics from `registry`. */
function build(S, registry, count, prefix) {
  const services = new Array(count).fill(null);
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${i}`;
    services[i] = S.service(upstream(i), { name, metrics: registry.get(name) });
  }
  return services;
}

/** Every service called once per wave, waves `WAVE_GAP_MS` apart; resolves when all settle. */
async function traffic(services) {
  const pending = [];
  let ok = 0;
  let failed = 0;
  const done = () => ok++;
  const fail = () => failed++;
  for (let w = 0; w < WAVES; w++) {
    for (const s of services) pending.push(s().then(done, fail));
    await sleep(WAVE_GAP_MS);
  }
  await Promise.all(pending);
  return { ok, failed };
}

/** One beat of `hystrixStream` for every entry: what it writes to each client per interval. */
function hystrixBeat(M, registry) {
  const time = Date.now();
  let out = '';
  for (const m of registry) {
    const s = m.snapshot();
    out += `data: ${JSON.stringify(M.toHystrixCommand(s, time))}\n\n`;
    const pool = M.toHystrixThreadPool(s, time);
    if (pool) out += `data: ${JSON.stringify(pool)}\n\n`;
  }
  return out;
}

async function run() {
  const started = performance.now();
  let S;
  let M;
  try {
    S = await import('@dyno/service');
    M = await import('@dyno/metrics');
  } catch (error) {
    return { error: `not built (${error.message})` };
  }
  if (typeof globalThis.gc !== 'function')
    return { error: 'the heap figures need node --expose-gc' };
  const failures = [];
  const defaultBound = M.DEFAULT_METRICS_REGISTRY_OPTIONS.maxSize;
  // The registry's default bound (1,000 names, then MetricsLimitError) is below the count: the
  // gateway sets its own, exactly the count, so one more name would still be refused.
  const maxSize = Math.max(SERVICES, defaultBound);
  const bound = { defaultBound, maxSize, explicit: maxSize !== defaultBound };

  // Warm-up: the same code paths on a throwaway registry, so their one-off allocations (compiled
  // code, hidden classes) are not counted per service.
  {
    const warmRegistry = new M.MetricsRegistry({ maxSize: WARM });
    const warm = build(S, warmRegistry, WARM, 'warm.');
    await traffic(warm);
    warmRegistry.snapshot();
    M.prometheusText(warmRegistry);
    hystrixBeat(M, warmRegistry);
    for (const s of warm) s.dispose();
    warmRegistry.dispose();
  }

  const h0 = heap();
  const t0 = performance.now();
  const registry = new M.MetricsRegistry(bound.explicit ? { maxSize } : {});
  const services = build(S, registry, SERVICES, 'upstream-');
  const buildMs = ms(t0);
  const h1 = heap();

  const idleSnapshot = timed(() => registry.snapshot(), 1);

  const t1 = performance.now();
  const calls = await traffic(services);
  const trafficMs = ms(t1);
  const h2 = heap();
  const pendingTimers = process
    .getActiveResourcesInfo()
    .filter((r) => r === 'Timeout' || r === 'Immediate').length;

  // Reads of every service, as an exporter makes them (the windows hold the traffic above).
  const snap = timed(() => registry.snapshot());
  const prom = timed(() => M.prometheusText(registry));
  const beat = timed(() => hystrixBeat(M, registry));

  const snapshots = snap.out;
  let attempts = 0;
  let open = 0;
  const outcomes = {};
  for (const s of snapshots) {
    attempts += s.totals.success + s.totals.failure + s.totals.timeout;
    if (s.circuit?.open) open++;
    for (const [k, v] of Object.entries(s.totals)) {
      if (typeof v === 'number') outcomes[k] = (outcomes[k] ?? 0) + v;
    }
  }
  const text = prom.out;
  const dropped = /^dyno_names_dropped_total (\d+)$/m.exec(text)?.[1];

  // The bound, checked: every name has its own entry, and the default bound would have refused.
  if (registry.size !== SERVICES) failures.push(`scale: registry holds ${registry.size} names`);
  if (registry.dropped !== 0 || dropped !== '0') {
    failures.push(`scale: ${registry.dropped} names dropped (exported: ${dropped})`);
  }
  if (calls.ok + calls.failed !== SERVICES * WAVES) {
    failures.push(`scale: ${calls.ok + calls.failed} calls settled of ${SERVICES * WAVES}`);
  }
  let refusedAt;
  if (SERVICES > defaultBound) {
    const probe = new M.MetricsRegistry();
    try {
      for (let i = 0; i < SERVICES; i++) probe.get(`probe-${i}`);
    } catch (error) {
      if (error instanceof M.MetricsLimitError) refusedAt = probe.size + 1;
      else throw error;
    }
    probe.dispose();
    if (refusedAt !== defaultBound + 1) failures.push('scale: the default bound did not refuse');
  }
  try {
    registry.get('one-name-too-many');
    if (bound.explicit) failures.push(`scale: a name beyond maxSize ${maxSize} was accepted`);
  } catch (error) {
    if (!(error instanceof M.MetricsLimitError)) throw error;
  }

  for (const s of services) s.dispose();
  return {
    services: SERVICES,
    waves: WAVES,
    bound: { ...bound, refusedAt, size: registry.size, dropped: Number(dropped) },
    buildMs,
    trafficMs,
    calls,
    attempts,
    outcomes,
    open,
    pendingTimers,
    idle: { heap: (h1.heap - h0.heap) / SERVICES, total: (h1.total - h0.total) / SERVICES },
    busy: { heap: (h2.heap - h0.heap) / SERVICES, total: (h2.total - h0.total) / SERVICES },
    idleSnapshotMs: idleSnapshot.first,
    snapshotMs: { first: snap.first, median: snap.median },
    prometheusMs: { first: prom.first, median: prom.median },
    prometheusBytes: Buffer.byteLength(text),
    prometheusLines: text.split('\n').length - 1,
    hystrixMs: { first: beat.first, median: beat.median },
    hystrixBytes: Buffer.byteLength(beat.out),
    seconds: ms(started) / 1000,
    failures,
  };
}

export const SCALE_SCENARIOS = {
  scale: {
    title: `Scale: ${SERVICES.toLocaleString('en-US')} services in one process`,
    what: 'a gateway wrapping upstreams',
    run,
  },
};

const fmtB = (b) => (b >= 1024 ? `${(b / 1024).toFixed(2)} kB` : `${Math.round(b)} B`);
const fmtMs = (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
const fmtMB = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const n = (v) => v.toLocaleString('en-US');

/** The report's section for the scenario's result (`{ crash }` or `{ error }` included). */
export function scaleSection(res) {
  const title = `### ${SCALE_SCENARIOS.scale.title}`;
  if (res.crash) return `\n${title}\n\nThe scenario crashed: ${res.crash}\n`;
  if (res.error) return `\n${title}\n\n${res.error}\n`;
  const b = res.bound;
  const boundNote = b.explicit
    ? `\`maxSize: ${n(b.maxSize)}\` set explicitly: the default bound of ${n(b.defaultBound)} names refuses name ${n(b.refusedAt)} (\`MetricsLimitError\`)`
    : `the default bound (${n(b.defaultBound)} names) holds them`;
  const o = res.outcomes;
  const rows = [
    [
      'heap per service, idle',
      fmtB(res.idle.heap),
      `${fmtB(res.idle.total)} with ArrayBuffer stores; after construction, before any call; ${n(res.services)} built in ${fmtMs(res.buildMs)}`,
    ],
    [
      'heap per service, after traffic',
      fmtB(res.busy.heap),
      `${fmtB(res.busy.total)} with ArrayBuffer stores; ${n(res.calls.ok + res.calls.failed)} calls (${n(res.attempts)} attempts) in ${fmtMs(res.trafficMs)}`,
    ],
    [
      '`registry.snapshot()` of every service',
      fmtMs(res.snapshotMs.median),
      `first ${fmtMs(res.snapshotMs.first)}; idle (before traffic) ${fmtMs(res.idleSnapshotMs)}`,
    ],
    [
      '`prometheusText(registry)`',
      fmtMs(res.prometheusMs.median),
      `first ${fmtMs(res.prometheusMs.first)}; ${fmtMB(res.prometheusBytes)}, ${n(res.prometheusLines)} lines (what a scrape of \`prometheusHandler\` renders)`,
    ],
    [
      'one Hystrix stream beat',
      fmtMs(res.hystrixMs.median),
      `first ${fmtMs(res.hystrixMs.first)}; ${fmtMB(res.hystrixBytes)} per client per interval (500 ms by default)`,
    ],
    [
      'registry names',
      `${n(b.size)} of ${n(b.maxSize)}`,
      `${boundNote}; \`dyno_names_dropped_total\` ${b.dropped}`,
    ],
    [
      'outcomes',
      `${n(o.success)} success, ${n(o.failure)} failure`,
      `${n(o.shortCircuited ?? 0)} short-circuited, ${n(o.rejected ?? 0)} rejected; ${n(res.calls.failed)} calls failed to the caller; ${n(res.open)} circuits open at the end`,
    ],
    [
      'timers pending after traffic',
      String(res.pendingTimers),
      'the process needs no dispose to exit',
    ],
  ];
  const lines = [
    '',
    title,
    '',
    `${n(res.services)} \`service(fn, { name, metrics: registry.get(name) })\` (default retry, breaker, pool, timeout and \`Metrics\` options) in one process, as a gateway wrapping ${n(res.services)} upstreams; each called ${res.waves} times in waves (every service once per wave, ${WAVE_GAP_MS} ms apart), its fake upstream answering at once for 60 % of calls, else after a 1–60 ms timer, failing 1 % of calls (one service in ten 10 %, one in a hundred 70 %). Heap: \`process.memoryUsage().heapUsed\` after forced GC, delta from before construction ÷ ${n(res.services)}. Read times: median of ${REPEATS}, after the traffic. Scenario took ${res.seconds.toFixed(1)} s.`,
    '',
    '| measure | value | notes |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`),
  ];
  if (res.failures?.length) lines.push('', `**Assertion failed:** ${res.failures.join('; ')}`);
  lines.push('');
  return lines.join('\n');
}
