import type { IncomingMessage, ServerResponse } from 'node:http';
import { ManualClock } from '@dyno/core/testing';
import {
  hystrixStream,
  Metrics,
  MetricsRegistry,
  toHystrixCommand,
  toHystrixThreadPool,
} from '@dyno/metrics';
import type { Browser, Page } from 'playwright-core';
import { card, launch, type Site, serve, untilPart, watch } from './test-support/browser.js';
import {
  FakeBreaker,
  FakeCache,
  FakeFleetCircuit,
  FakePool,
  FakeShedder,
} from './test-support/fakes.js';
import { type Tally, turbine } from './test-support/turbine.js';

// A cluster's streams as Turbine aggregates them (numbers summed across hosts, other values
// counted per value), in real Chromium over real HTTP; and cards whose names stop reporting.
jest.setTimeout(20_000);

let browser: Browser;
let page: Page;
let problems: string[] = [];

beforeAll(async () => {
  browser = await launch();
  page = await browser.newPage();
  problems = watch(page);
  await page.setViewportSize({ width: 1280, height: 800 });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

const part = (name: string, p: string, list: 'circuits' | 'pools' = 'circuits') =>
  card(page, name, list).locator(`[data-part="${p}"]`);

/** One host's view of `name`: 10 calls of 20 ms, `failures` of them failed, breaker `state`. */
function host(name: string, failures: number, state: string): Metrics {
  const m = new Metrics({ name, group: 'users', clock: new ManualClock() });
  const breaker = new FakeBreaker(name);
  m.observe(breaker);
  breaker.moveTo(state);
  for (let i = 0; i < 10; i++) m.record(i < failures ? 'failure' : 'success', 20);
  const pool = new FakePool('users-db', 4, 8);
  m.observe(pool);
  // every host sees the same fleet: 3 of 5 members open; only the first host isolates
  const fleet = new FakeFleetCircuit(name);
  m.observe(fleet);
  fleet.see({ live: 5, open: 3, isolating: failures === 5 });
  // hits 0, 4 and 8, with 4 misses each: 12 of 24 reads for the cluster (50 %), where the mean of
  // the hosts' ratios would be 39 %; 10 requests admitted and 0, 5 and 10 refused: 15 of 45
  // (33 %), where the mean of the hosts' shares would be 28 %
  const cache = new FakeCache(name);
  m.observe(cache);
  cache.hit((failures - 5) * 4);
  for (let i = 0; i < 4; i++) cache.miss();
  const shedder = new FakeShedder(name);
  m.observe(shedder);
  shedder.admit(10);
  shedder.shed((failures - 5) * 5);
  return m;
}

/** The Turbine aggregate of `name` over three hosts failing 5, 6 and 7 calls in 10. */
function cluster(name: string, states: readonly string[], as: Tally): Record<string, unknown> {
  const hosts = states.map((state, i) => host(name, 5 + i, state).snapshot());
  return turbine(
    hosts.map((s) => toHystrixCommand(s, 0)),
    as,
  );
}

function clusterStream(_: IncomingMessage, response: ServerResponse): void {
  const open3 = cluster('all-open', ['open', 'open', 'open'], 'map');
  // a Hystrix whose stream has no errorCount: errorPercentage summed over the hosts
  const noCounts = cluster('no-counts', ['closed', 'closed', 'closed'], 'map');
  delete noCounts.errorCount;
  const two = cluster('two-open', ['open', 'open', 'closed'], 'count');
  delete two.dynoCircuitState;
  const text = cluster('as-text', ['open', 'open', 'open'], 'string');
  delete text.dynoCircuitState;
  const states = cluster('mixed-states', ['open', 'half-open', 'open'], 'map');
  const pools = [0, 1, 2].map(
    (i) => toHystrixThreadPool(host('p', i, 'closed').snapshot(), 0) as Record<string, unknown>,
  );
  response.writeHead(200, { 'Content-Type': 'text/event-stream;charset=UTF-8' });
  for (const event of [open3, noCounts, two, text, states, turbine(pools)]) {
    response.write(`data: ${JSON.stringify(event)}\n\n`);
  }
}

describe('the dashboard page over a Turbine cluster stream', () => {
  let site: Site;
  beforeAll(async () => {
    site = await serve(clusterStream);
    await page.goto(`${site.url}/dashboard`, { waitUntil: 'domcontentloaded' });
    await card(page, 'mixed-states').waitFor();
    await card(page, 'users-db', 'pools').waitFor();
  });
  afterAll(() => site?.close());

  it('shows three open hosts as Open, with 60 % errors (18 of 30), not Closed at 100 %', async () => {
    await untilPart(page, 'all-open', 'state', 'Open');
    expect(await card(page, 'all-open').getAttribute('data-state')).toBe('open');
    expect(await part('all-open', 'error').textContent()).toBe('60 %');
    // errorPercentage (50 + 60 + 70) divided by the hosts when errorCount is missing
    expect(await part('no-counts', 'error').textContent()).toBe('60 %');
  });

  it('reads isCircuitBreakerOpen as a count map, a count or a string, and says when hosts disagree', async () => {
    expect(await part('two-open', 'state').textContent()).toBe('Open 2, Closed 1');
    expect(await card(page, 'two-open').getAttribute('data-state')).toBe('mixed');
    expect(await part('as-text', 'state').textContent()).toBe('Open');
    expect(await part('mixed-states', 'state').textContent()).toBe('Open 2, Half-open 1');
  });

  it('divides the windows and latencies back per host, and shows cluster and per-host rates', async () => {
    expect(await part('all-open', 'countWindow').textContent()).toBe('Last 10 s');
    expect(await part('all-open', 'latencyWindow').textContent()).toBe('Latency, last 1 min');
    expect(await part('all-open', 'mean').textContent()).toBe('20 ms');
    expect(await part('all-open', 'p99').textContent()).toBe('20 ms');
    // 30 calls in the 10 s window of three hosts
    expect(await part('all-open', 'rate').textContent()).toBe('3/s');
    expect(await part('all-open', 'rateLabel').textContent()).toBe('cluster');
    expect(await part('all-open', 'meta').textContent()).toBe('users · 3 hosts · 1/s per host');
    expect(await part('all-open', 'success').textContent()).toBe('12');
    expect(await part('all-open', 'failure').textContent()).toBe('18');
  });

  it("divides the fleet's view back too, and says when any host is isolated by it", async () => {
    expect(await part('all-open', 'fleetFacts').textContent()).toContain(
      'fleet: 3 of 5 members report open',
    );
    expect(await part('all-open', 'fleetIsolating').isVisible()).toBe(true);
    expect(await part('all-open', 'fleetAlone').isVisible()).toBe(false);
  });

  it("adds up the hosts' caches and shedders, so the hit ratio and refused share are the cluster's", async () => {
    expect(await part('all-open', 'cacheHits').textContent()).toBe('12');
    expect(await part('all-open', 'cacheMisses').textContent()).toBe('12');
    expect(await part('all-open', 'cacheLoads').textContent()).toBe('12');
    expect(await part('all-open', 'cacheRatio').textContent()).toBe('50 %');
    expect(await part('all-open', 'shedAdmitted').textContent()).toBe('30');
    expect(await part('all-open', 'shedRefusedFact').textContent()).toBe('15 refused (33 %)');
  });

  it('shows a pool of three hosts with their number and each host’s queue limit', async () => {
    expect(await part('users-db', 'size', 'pools').textContent()).toBe('size 12 · 3 hosts');
    expect(await part('users-db', 'limit', 'pools').textContent()).toBe('queue limit 8');
  });
});

describe('the dashboard page: ?delay= and cards that stop reporting', () => {
  let site: Site;
  let clock: ManualClock;
  let registry: MetricsRegistry;
  let stream: ReturnType<typeof hystrixStream>;
  const asked: string[] = [];
  beforeAll(async () => {
    clock = new ManualClock();
    registry = new MetricsRegistry({ metrics: { clock } });
    registry.get('stays').record('success', 5);
    registry.get('goes').record('success', 5);
    stream = hystrixStream(registry, { clock, interval: 100 });
    site = await serve((request, response) => {
      asked.push(request.url ?? '');
      stream(request, response);
    });
  });
  afterAll(async () => {
    stream?.close();
    await site?.close();
  });

  it('asks the stream for the ?delay= of its own address, as Hystrix’s dashboard does', async () => {
    await page.goto(`${site.url}/dashboard?delay=300`, { waitUntil: 'domcontentloaded' });
    await card(page, 'goes').waitFor();
    expect(asked).toEqual(['/hystrix.stream?delay=300']);
    registry.get('stays').record('success', 5);
    await clock.advance(100);
    await clock.advance(100);
    expect(await part('stays', 'success').textContent()).toBe('1');
    await clock.advance(100);
    await untilPart(page, 'stays', 'success', '2');
  });

  it('removes the card of a name that stopped reporting, and keeps the others', async () => {
    asked.length = 0;
    await page.clock.install();
    await page.goto(`${site.url}/dashboard`, { waitUntil: 'domcontentloaded' });
    await card(page, 'goes').waitFor();
    expect(asked).toEqual(['/hystrix.stream']);
    registry.delete('goes');
    await page.clock.fastForward(9_000);
    await clock.advance(100);
    await page.clock.runFor(100);
    // 9 s without an update is not yet gone
    registry.get('stays').record('success', 5);
    await clock.advance(100);
    await page.clock.runFor(100);
    await untilPart(page, 'stays', 'success', '3');
    expect(await card(page, 'goes').count()).toBe(1);
    await page.clock.fastForward(2_000);
    await clock.advance(100);
    await page.clock.runFor(100);
    await card(page, 'goes').waitFor({ state: 'detached' });
    expect(await card(page, 'stays').count()).toBe(1);
    expect(await page.locator('#circuit-count').textContent()).toBe('1');
  });

  it('keeps every card through a lost stream, and gives each a new 10 s when it returns', async () => {
    registry.get('also').record('success', 5);
    await clock.advance(100);
    await page.clock.runFor(100);
    await card(page, 'also').waitFor();
    // mark the card's element: a card removed and made again would lose the mark
    await page.evaluate(
      `document.querySelectorAll('#circuits > article').forEach((e) => e.setAttribute('data-mark', '1'))`,
    );
    site.up = false;
    stream.close();
    await page.locator('#conn[data-state="lost"]').waitFor();
    await page.clock.fastForward(30_000);
    site.up = true;
    await page.clock.runFor(16_000);
    await page.locator('#conn[data-state="live"]').waitFor();
    await page.clock.runFor(100);
    await untilPart(page, 'also', 'success', '1');
    expect(await page.locator('#circuits > article[data-mark="1"]').count()).toBe(2);
  });
});
