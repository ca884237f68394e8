// Saves a screenshot of the dashboard at 1280x800 (docs/dashboard-overview.png for the simulated
// outage, docs/dashboard.png for a live URL, docs/dashboard-fleet.png for the fleet; OUT
// overrides), taken with the system's headless Chromium (never a downloaded one). Run against the
// BUILT packages:
//
//   node scripts/screenshot.mjs                 # the simulated outage below
//   node scripts/screenshot.mjs URL [seconds]   # any live dashboard (such as the demo's),
//                                               # after letting it run for `seconds` (default 130)
//   node scripts/screenshot.mjs fleet [seconds] # a Turbine-style aggregate of several real
//                                               # processes (default 3 hosts, 40 s; see fleet())
//
// The simulation replays two minutes of traffic in a few seconds: metrics run on a manual
// clock, and the page's clock is Playwright's fake clock moved in step, so the sparklines hold a
// full two minutes. Environment: DYNO_CHROMIUM (another Chromium binary), OUT (another file),
// VIEWPORT (default 1280x800), FULL=1 (the whole page rather than the viewport),
// COLOR_SCHEME=dark.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, get } from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from '@dyno/core';
import { ManualClock, seededRandom } from '@dyno/core/testing';
import { dashboard } from '@dyno/dashboard';
import { Metrics, toHystrixCommand, toHystrixThreadPool } from '@dyno/metrics';
import { chromium } from 'playwright-core';

const MODE = process.argv[2] === 'fleet' ? 'fleet' : process.argv[2] ? 'live' : 'simulated';
const OUT =
  process.env.OUT ??
  fileURLToPath(
    new URL(
      `../../../docs/${{ fleet: 'dashboard-fleet', live: 'dashboard', simulated: 'dashboard-overview' }[MODE]}.png`,
      import.meta.url,
    ),
  );
const [WIDTH, HEIGHT] = (process.env.VIEWPORT ?? '1280x800').split('x').map(Number);
const SCHEME = process.env.COLOR_SCHEME === 'dark' ? 'dark' : 'light';
const STEP = 500;
const STEPS = 244; // a little over two minutes
const random = seededRandom(2013);

class Breaker {
  #change = new EventEmitter();
  onStateChange = this.#change.event;
  state = 'closed';
  constructor(name) {
    this.name = name;
  }
  moveTo(to) {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.#change.emit({ name: this.name, from, to });
  }
}

class Pool {
  #start = new EventEmitter();
  #reject = new EventEmitter();
  #settle = new EventEmitter();
  onStart = this.#start.event;
  onReject = this.#reject.event;
  onSettle = this.#settle.event;
  active = 0;
  queued = 0;
  constructor(name, concurrency, queue) {
    Object.assign(this, { name, concurrency, queue });
  }
  started(active, queued) {
    this.active = active;
    this.queued = queued;
    this.#start.emit({ name: this.name, active, queued, waited: 0 });
  }
  refused() {
    this.#reject.emit({ name: this.name, reason: 'queue-full' });
  }
}

/** A cache in front of a circuit: its misses are the circuit's calls; a share of hits stale. */
class Cache {
  #hit = new EventEmitter();
  #miss = new EventEmitter();
  #stale = new EventEmitter();
  #refresh = new EventEmitter();
  #load = new EventEmitter();
  onHit = this.#hit.event;
  onMiss = this.#miss.event;
  onStale = this.#stale.event;
  onRefresh = this.#refresh.event;
  onLoad = this.#load.event;
  constructor(name) {
    this.name = name;
  }
  miss(ms) {
    this.#miss.emit({ name: this.name });
    this.#load.emit({ name: this.name, duration: ms ?? 0, outcome: 'success' });
  }
  hit(staleShare) {
    this.#hit.emit({ name: this.name });
    if (random() < staleShare) {
      this.#stale.emit({ name: this.name });
      this.#refresh.emit({ name: this.name });
    }
  }
}

/** A load shedder in front of a circuit: requests let through or answered 503. */
class Shedder {
  #admit = new EventEmitter();
  #shed = new EventEmitter();
  onAdmit = this.#admit.event;
  onShed = this.#shed.event;
  constructor(name) {
    this.name = name;
  }
  /** True when the request is let through. */
  request(shedShare) {
    if (random() < shedShare) {
      this.#shed.emit({ name: this.name, priority: 'sheddable', reason: 'limit' });
      return false;
    }
    this.#admit.emit({ name: this.name, priority: 'sheddable' });
    return true;
  }
}

// Latency around `median` ms with a long right tail.
const latency = (median) =>
  median *
  Math.exp(0.55 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));

const clock = new ManualClock();
const make = (name, group) => new Metrics({ name, group, clock });

/** Each circuit: its metrics, breaker, optional pool, and what one call does at second `t`. */
const circuits = [
  {
    m: make('payments.charge', 'payments'),
    b: new Breaker('payments.charge'),
    pool: new Pool('payments', 10, 50),
    rate: (t) => 34 + 4 * Math.sin(t / 9),
    call(t, b) {
      if (t > 81 && b.state === 'open') return ['short-circuited', undefined, 'fallback-success'];
      const bad = t < 68 ? 0.008 : Math.min(0.95, (t - 68) / 12);
      if (random() < bad)
        return random() < 0.4
          ? ['timeout', 1000, 'fallback-success']
          : ['failure', latency(30), 'fallback-success'];
      return ['success', latency(48)];
    },
    at: { 81: 'open' },
  },
  {
    m: make('inventory.reserve', 'inventory'),
    b: new Breaker('inventory.reserve'),
    rate: (t) => (t > 90 ? 9 : 21 + 3 * Math.sin(t / 7)),
    call(t, b) {
      if (b.state === 'open') return ['short-circuited', undefined, 'fallback-success'];
      if (b.state === 'half-open')
        return random() < 0.8 ? ['success', latency(70)] : ['failure', latency(60)];
      const bad = t < 72 ? 0.01 : 0.58;
      return random() < bad
        ? ['failure', latency(250), 'fallback-failure']
        : ['success', latency(t < 72 ? 35 : 180)];
    },
    at: { 88: 'open', 112: 'half-open' },
  },
  {
    m: make('shipping.quote', 'shipping'),
    b: new Breaker('shipping.quote'),
    pool: new Pool('shipping', 8, 12),
    rate: (t) => 26 + 2 * Math.sin(t / 5),
    call(t) {
      const slow = t > 60;
      const r = random();
      if (slow && r < 0.1) return ['rejected', undefined, 'fallback-success'];
      if (slow && r < 0.19) return ['timeout', 800, 'fallback-success'];
      return ['success', latency(slow ? 310 : 85)];
    },
  },
  {
    m: make('search.query', 'search'),
    b: new Breaker('search.query'),
    pool: new Pool('search', 32, 64),
    // the front sheds a little at the peaks of traffic
    shedder: new Shedder('search.query'),
    shed: (t) => Math.max(0, Math.sin(t / 14) - 0.6) / 8,
    rate: (t) => 118 + 14 * Math.sin(t / 14) + 5 * Math.sin(t / 3),
    call: () => (random() < 0.002 ? ['failure', latency(20)] : ['success', latency(11)]),
  },
  {
    m: make('users.profile', 'users'),
    b: new Breaker('users.profile'),
    pool: new Pool('db', 20, 40),
    // reads go through a cache first: what it misses reaches the database
    cache: new Cache('users.profile'),
    rate: (t) => 52 + 8 * Math.sin(t / 11),
    call: () =>
      random() < 0.012 ? ['timeout', 500, 'fallback-success'] : ['success', latency(24)],
  },
  {
    m: make('email.send', 'notifications'),
    b: new Breaker('email.send'),
    rate: () => 2.4,
    call: (_t, b) =>
      b.state === 'isolated'
        ? ['short-circuited', undefined, 'fallback-success']
        : ['success', latency(140)],
    at: { 18: 'isolated' },
  },
];
for (const c of circuits) {
  c.m.observe(c.b);
  if (c.pool) c.m.observe(c.pool);
  if (c.cache) c.m.observe(c.cache);
  if (c.shedder) c.m.observe(c.shedder);
}

// Pool gauges at the moment of the screenshot's last steps.
const poolLoad = {
  payments: (t) => (t > 68 && t < 82 ? [10, 31] : [t > 82 ? 1 : 4, 0]),
  shipping: (t) => (t > 60 ? [8, 12] : [3, 0]),
  search: () => [6 + Math.round(3 * random()), 0],
  db: () => [3 + Math.round(2 * random()), 0],
};

function simulate(step) {
  const t = (step * STEP) / 1000;
  const start = clock.now();
  for (const c of circuits) {
    const moveTo = c.at?.[t];
    if (moveTo) c.b.moveTo(moveTo);
    const calls = Math.round((c.rate(t) * STEP) / 1000 + random() - 0.5);
    for (let i = 0; i < calls; i++) {
      const now = start + (STEP * i) / Math.max(calls, 1);
      // a request the front sheds never calls the dependency
      if (c.shedder?.request(c.shed(t)) === false) continue;
      const [outcome, ms, fallback] = c.call(t, c.b);
      if (c.cache) {
        // each call is a miss's load; the hits around it never reach the circuit
        c.cache.miss(ms);
        for (let h = 4 + Math.round(2 * random()); h > 0; h--) c.cache.hit(0.04);
      }
      c.m.record(outcome, ms, now);
      if (fallback) c.m.record(fallback, undefined, now);
      if (c.pool && outcome !== 'short-circuited') {
        if (outcome === 'rejected') c.pool.refused();
        else c.pool.started(...poolLoad[c.pool.name](t));
      }
    }
    if (c.pool) [c.pool.active, c.pool.queued] = poolLoad[c.pool.name](t);
  }
  clock.set(start + STEP);
}

// Sends what hystrixStream sends, plus the exact circuit state as `dynoCircuitState` for as
// long as @dyno/metrics does not write it itself.
function payload(time) {
  let out = '';
  const pools = new Set();
  for (const c of circuits) {
    const s = c.m.snapshot();
    const command = toHystrixCommand(s, time);
    command.dynoCircuitState ??= s.circuit?.state;
    out += `data: ${JSON.stringify(command)}\n\n`;
    const pool = toHystrixThreadPool(s, time);
    if (pool && !pools.has(pool.name)) {
      pools.add(pool.name);
      out += `data: ${JSON.stringify(pool)}\n\n`;
    }
  }
  return out;
}

const launch = () =>
  chromium.launch({
    executablePath: process.env.DYNO_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

async function live(url, seconds) {
  const browser = await launch();
  try {
    const page = await browser.newPage({
      viewport: { width: WIDTH, height: HEIGHT },
      colorScheme: SCHEME,
    });
    await page.goto(url);
    await page.waitForTimeout(seconds * 1000);
    await page.screenshot({ path: OUT, fullPage: process.env.FULL === '1' });
  } finally {
    await browser.close();
  }
}

/** Serves the page, and an event stream at `path` whose open responses are kept in `clients`. */
function streamServer(path, page$, clients) {
  return createServer((req, res) => {
    if (!req.url?.startsWith(path)) return page$(req, res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream;charset=UTF-8',
      'Cache-Control': 'no-cache',
    });
    res.flushHeaders();
    clients.add(res);
    res.on('close', () => clients.delete(res));
  });
}

async function simulated() {
  const clients = new Set();
  const page$ = dashboard({ title: 'Checkout service' });
  const server = streamServer('/hystrix.stream', page$, clients);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launch();
  try {
    const page = await browser.newPage({
      viewport: { width: WIDTH, height: HEIGHT },
      colorScheme: SCHEME,
    });
    const wall = new Date('2025-03-14T14:02:00Z').getTime();
    await page.clock.install({ time: wall });
    await page.goto(`http://127.0.0.1:${server.address().port}/dashboard`);
    await page.waitForSelector('#conn[data-state="live"]');
    // Traffic was flowing before the page opened: fill the 10 s window first.
    for (let step = -20; step < 0; step++) simulate(step);
    for (let step = 0; step < STEPS; step++) {
      simulate(step);
      const data = payload(wall + (step + 1) * STEP);
      for (const res of clients) res.write(data);
      await page.waitForTimeout(12);
      await page.clock.runFor(STEP);
    }
    // CSS transitions run on real time, not on the fake clock.
    await page.waitForTimeout(600);
    await page.screenshot({ path: OUT, fullPage: process.env.FULL === '1' });
  } finally {
    await browser.close();
    server.closeAllConnections();
    server.close();
  }
}

// --- The fleet: several real processes, aggregated as Turbine does --------------------------

const HOSTS = Number(process.env.HOSTS ?? 3);
// Turbine keeps these as they are: they name what is aggregated.
const TURBINE_KEYS = new Set(['type', 'name', 'group', 'threadPool']);

function turbineSum(values) {
  if (values.every((v) => typeof v === 'number')) return values.reduce((a, b) => a + b, 0);
  if (values.every((v) => v !== null && typeof v === 'object')) {
    const out = {};
    for (const key of Object.keys(values[0])) out[key] = turbineSum(values.map((o) => o[key]));
    return out;
  }
  return values;
}

/**
 * What a Turbine cluster stream says for one name reported by several hosts (as the page's own
 * tests aggregate, src/test-support/turbine.ts): every number summed, `reportingHosts` too (each
 * host says 1), latency maps key by key; any other value counted per value
 * (`{ "true": 1, "false": 2 }`, `{ "open": 1, "closed": 2 }`).
 */
function turbine(events) {
  const out = {};
  for (const key of Object.keys(events[0])) {
    const values = events.map((e) => e[key]);
    if (TURBINE_KEYS.has(key)) out[key] = events[0][key];
    else {
      const summed = turbineSum(values);
      if (summed !== values) out[key] = summed;
      else {
        const counts = {};
        for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
        out[key] = counts;
      }
    }
  }
  return out;
}

/**
 * Starts `scripts/fleet-host.mjs <index>` (added to `children` at once, so it is stopped whatever
 * happens next); resolves with its stream's port.
 */
function startHost(index, children) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('fleet-host.mjs', import.meta.url)), String(index)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host ${index} did not start`)), 15_000);
    child.once('message', ({ port }) => {
      clearTimeout(timer);
      resolve({ index, child, port });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host ${index} exited with ${code}`));
    });
  });
}

/** Reads one host's Hystrix stream, keeping its latest event per type and name. */
function readHost(host) {
  host.latest = new Map();
  host.request = get(`http://127.0.0.1:${host.port}/hystrix.stream`, (res) => {
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk) => {
      buffer += chunk;
      const events = buffer.split('\n\n');
      buffer = events.pop();
      for (const event of events) {
        if (!event.startsWith('data: ')) continue; // `ping:`
        const data = JSON.parse(event.slice(6));
        host.latest.set(`${data.type}\0${data.name}`, { data, at: Date.now() });
      }
    });
  });
  host.request.on('error', () => {}); // ends with the host
}

/** One Turbine beat: each name aggregated over the hosts that reported it in the last 5 s. */
function aggregate(hosts) {
  const byKey = new Map();
  for (const host of hosts) {
    for (const [key, { data, at }] of host.latest) {
      if (Date.now() - at > 5000) continue;
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key).push(data);
    }
  }
  let out = '';
  for (const events of byKey.values()) out += `data: ${JSON.stringify(turbine(events))}\n\n`;
  return out || 'ping: \n\n';
}

/**
 * HOSTS real processes (scripts/fleet-host.mjs), each serving the Hystrix stream of its own
 * `@dyno/service` services under traffic on loopback; this process reads every stream and serves
 * their aggregate as Turbine does at /turbine.stream, with the page at /dashboard pointed at it.
 * After `seconds` of real time (the sparklines fill as they go), the screenshot; then the hosts
 * are stopped and waited for.
 */
async function fleet(seconds) {
  const children = [];
  const hosts = [];
  const clients = new Set();
  let beat;
  const page$ = dashboard({
    title: `Checkout fleet: ${HOSTS} hosts through Turbine`,
    streamUrl: './turbine.stream?cluster=checkout',
  });
  const server = streamServer('/turbine.stream', page$, clients);
  let browser;
  try {
    const started = await Promise.allSettled(
      Array.from({ length: HOSTS }, (_, i) => startHost(i, children)),
    );
    for (const s of started) if (s.status === 'fulfilled') hosts.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const host of hosts) readHost(host);
    beat = setInterval(() => {
      const data = aggregate(hosts);
      for (const res of clients) res.write(data);
    }, 500);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await launch();
    const page = await browser.newPage({
      viewport: { width: WIDTH, height: HEIGHT },
      colorScheme: SCHEME,
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/dashboard`);
    await page.waitForTimeout(seconds * 1000);
    await page.screenshot({ path: OUT, fullPage: process.env.FULL === '1' });
  } finally {
    await browser?.close();
    clearInterval(beat);
    server.closeAllConnections();
    server.close();
    for (const host of hosts) host.request?.destroy();
    await Promise.all(
      children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }),
    );
  }
}

mkdirSync(dirname(OUT), { recursive: true });
if (MODE === 'fleet') await fleet(Number(process.argv[3] ?? 40));
else {
  const [url, seconds = '130'] = process.argv.slice(2);
  await (url ? live(url, Number(seconds)) : simulated());
}
console.log(`saved ${OUT}`);
