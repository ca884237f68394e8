import { ManualClock } from '@dyno/core/testing';
import { hystrixStream, MetricsRegistry } from '@dyno/metrics';
import type { Browser, Page } from 'playwright-core';
import { card, launch, type Site, serve, untilPart, watch } from './test-support/browser.js';
import {
  FakeBreaker,
  FakeCache,
  FakeFleetCircuit,
  FakeOrigin,
  FakePool,
  FakeRateLimiter,
  FakeShedder,
} from './test-support/fakes.js';

// The Dyno extras of the stream in real Chromium, over the real hystrixStream of real Metrics:
// a breaker isolated by its fleet, a fleet rate limiter, an HTTP origin with hedges, a cache, a
// load shedder, an adaptive pool. The stream runs on a ManualClock: each `advance(100)` sends
// exactly one update.
jest.setTimeout(15_000);

let browser: Browser;
let site: Site;
let clock: ManualClock;
let stream: ReturnType<typeof hystrixStream>;
let page: Page;
let problems: string[] = [];
let breaker: FakeBreaker;
let fleet: FakeFleetCircuit;
let limiter: FakeRateLimiter;
let adaptive: FakePool;
let cache: FakeCache;
let shedder: FakeShedder;

beforeAll(async () => {
  clock = new ManualClock();
  const registry = new MetricsRegistry({ metrics: { clock } });
  const payments = registry.get('payments');
  breaker = new FakeBreaker('payments');
  fleet = new FakeFleetCircuit('payments-fleet');
  payments.observe(breaker);
  payments.observe(fleet);
  const partner = registry.get('partner');
  limiter = new FakeRateLimiter('partner-limit');
  partner.observe(limiter);
  const api = registry.get('api https://a.test');
  const origin = new FakeOrigin('api https://a.test');
  api.observe(origin.http);
  api.observe(origin.hedge);
  origin.answer(101, 200, 200, 200, 304, 404, 503);
  origin.hedged(true);
  origin.hedged(false);
  registry.get('plain').record('success', 3);
  cache = new FakeCache('catalog-cache');
  registry.get('catalog').observe(cache);
  shedder = new FakeShedder('checkout-shed');
  registry.get('checkout').observe(shedder);
  adaptive = new FakePool('adaptive-db', 12, 8);
  adaptive.limit = 12;
  adaptive.adaptive = { min: 2, max: 40 };
  payments.observe(adaptive);
  registry.get('plain').observe(new FakePool('fixed-db', 4, 8));
  stream = hystrixStream(registry, { clock, interval: 100 });
  [browser, site] = await Promise.all([launch(), serve(stream)]);
  page = await browser.newPage();
  problems = watch(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${site.url}/dashboard`, { waitUntil: 'domcontentloaded' });
});

afterAll(async () => {
  stream?.close();
  await Promise.all([browser?.close(), site?.close()]);
});

afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

const part = (name: string, p: string, list: 'circuits' | 'pools' = 'circuits') =>
  card(page, name, list).locator(`[data-part="${p}"]`);

describe('the dashboard page: Dyno extras in Chromium', () => {
  it('shows when the fleet isolates a breaker, and when it lets go', async () => {
    fleet.see({ live: 5, open: 3, isolating: true });
    breaker.moveTo('isolated');
    await clock.advance(100);
    await untilPart(page, 'payments', 'state', 'Isolated');
    expect(await part('payments', 'fleetFacts').isVisible()).toBe(true);
    const facts = part('payments', 'fleetFacts').locator('span');
    expect(await facts.first().textContent()).toBe('fleet: 3 of 5 members report open');
    expect(await part('payments', 'fleetIsolating').isVisible()).toBe(true);
    expect(await part('payments', 'fleetIsolating').textContent()).toBe('isolated by the fleet');
    expect(await part('payments', 'fleetAlone').isVisible()).toBe(false);
    fleet.see({ open: 1, isolating: false });
    breaker.moveTo('closed');
    await clock.advance(100);
    await untilPart(page, 'payments', 'state', 'Closed');
    await untilPart(page, 'payments', 'fleetOpen', '1');
    expect(await part('payments', 'fleetIsolating').isVisible()).toBe(false);
  });

  it('says when the fleet circuit cannot reach Redis and the breaker decides alone', async () => {
    fleet.see({ live: 0, open: 0, connected: false });
    await clock.advance(100);
    await untilPart(page, 'payments', 'fleetLive', '0');
    expect(await part('payments', 'fleetAlone').isVisible()).toBe(true);
    fleet.see({ live: 5, connected: true });
    await clock.advance(100);
    await untilPart(page, 'payments', 'fleetLive', '5');
    expect(await part('payments', 'fleetAlone').isVisible()).toBe(false);
  });

  it("shows a fleet rate limiter's admissions and refusals, and its Redis trouble in red", async () => {
    for (let i = 0; i < 3; i++) limiter.decide(true);
    limiter.decide(false);
    await clock.advance(100);
    await untilPart(page, 'partner', 'rateAdmitted', '3');
    expect(await part('partner', 'rateRefused').textContent()).toBe('1');
    expect(await part('partner', 'rateRedisFact').isVisible()).toBe(false);
    limiter.fail();
    limiter.decide(true, 'local');
    await clock.advance(100);
    await untilPart(page, 'partner', 'rateRedisErrors', '1');
    const trouble = part('partner', 'rateRedisFact');
    expect(await trouble.isVisible()).toBe(true);
    expect(await trouble.textContent()).toBe('Redis errors 1, decided without Redis 1');
    expect(await trouble.getAttribute('class')).toBe('warn');
  });

  it("shows a fleet rate limiter's Redis circuit in red while it is not closed", async () => {
    const state = part('partner', 'rateRedisStateFact');
    expect(await state.isVisible()).toBe(false);
    limiter.redisState = 'open';
    await clock.advance(100);
    await untilPart(page, 'partner', 'rateRedisState', 'open');
    expect(await state.isVisible()).toBe(true);
    expect(await state.textContent()).toBe('Redis circuit open');
    expect(await state.getAttribute('class')).toBe('warn');
    limiter.redisState = 'closed';
    await clock.advance(100);
    await state.waitFor({ state: 'hidden', timeout: 5000 });
    expect(await part('partner', 'rateRedisState').textContent()).toBe('closed');
  });

  it("shows a fleet circuit's isolations and Redis errors over the window in red", async () => {
    expect(await part('payments', 'fleetRedisFact').isVisible()).toBe(false);
    fleet.fail();
    fleet.fail();
    await clock.advance(100);
    await untilPart(page, 'payments', 'fleetRedisErrors', '2');
    const facts = part('payments', 'fleetFacts').locator('> span:visible');
    // one isolation, from the first test, still in the 10 s window
    expect(await facts.allTextContents()).toEqual([
      'fleet: 0 of 5 members report open',
      'isolations 1',
      'Redis errors 2',
    ]);
    for (const p of ['fleetIsolationsFact', 'fleetRedisFact']) {
      expect(await part('payments', p).getAttribute('class')).toBe('warn');
    }
  });

  it('shows the responses of an HTTP origin by status class, 5xx in red, and its hedges', async () => {
    await untilPart(page, 'api https://a.test', 'http2xx', '3');
    const statuses = part('api https://a.test', 'httpFacts').locator('span');
    expect(await statuses.allTextContents()).toEqual([
      'HTTP 1xx 1',
      '2xx 3',
      '3xx 1',
      '4xx 1',
      '5xx 1',
    ]);
    expect(await part('api https://a.test', 'http5xxFact').getAttribute('class')).toBe('warn');
    expect(await part('api https://a.test', 'hedges').textContent()).toBe('2');
    expect(await part('api https://a.test', 'hedgeWins').textContent()).toBe('1');
    expect(await part('api https://a.test', 'hedgeRefusedFact').isVisible()).toBe(false);
  });

  it("shows a cache's hit ratio first, then its hits, misses, stale values, refreshes and loads", async () => {
    // observed, not yet read: no ratio to show
    await untilPart(page, 'catalog', 'cacheRatio', '–');
    expect(await part('catalog', 'cacheFacts').isVisible()).toBe(true);
    cache.hit(6, 2);
    cache.miss();
    cache.miss();
    await clock.advance(100);
    await untilPart(page, 'catalog', 'cacheHits', '8');
    const facts = part('catalog', 'cacheFacts').locator('> span:visible');
    expect(await facts.allTextContents()).toEqual([
      'cache hit ratio 80 %',
      '8 hits',
      '2 misses',
      '2 stale served',
      '2 refreshes',
      '2 loads',
    ]);
  });

  it("shows a cache's failed loads and store errors in red, only once there are some", async () => {
    cache.miss('failure');
    cache.miss('timeout');
    cache.storeError();
    await clock.advance(100);
    await untilPart(page, 'catalog', 'cacheLoadFailures', '2');
    // 8 hits of 12 reads
    expect(await part('catalog', 'cacheRatio').textContent()).toBe('66 %');
    expect(await part('catalog', 'cacheLoads').textContent()).toBe('4');
    const trouble = { cacheLoadFailedFact: '2 failed loads', cacheStoreFact: 'store errors 1' };
    for (const [p, text] of Object.entries(trouble)) {
      expect(await part('catalog', p).isVisible()).toBe(true);
      expect(await part('catalog', p).textContent()).toBe(text);
      expect(await part('catalog', p).getAttribute('class')).toBe('warn');
    }
  });

  it("shows a load shedder's admissions, and its refusals with their share in red", async () => {
    shedder.admit(45);
    await clock.advance(100);
    await untilPart(page, 'checkout', 'shedAdmitted', '45');
    const refused = part('checkout', 'shedRefusedFact');
    expect(await refused.textContent()).toBe('0 refused (0 %)');
    expect(await refused.getAttribute('class')).toBeNull();
    shedder.shed(5);
    await clock.advance(100);
    await untilPart(page, 'checkout', 'shedRefused', '5');
    expect(await part('checkout', 'shedFacts').locator('> span').allTextContents()).toEqual([
      'load shedder: 45 admitted',
      '5 refused (10 %)',
    ]);
    expect(await refused.getAttribute('class')).toBe('warn');
    expect(await part('checkout', 'cacheFacts').isVisible()).toBe(false);
  });

  it('shows none of these lines for a circuit whose stream has no such fields', async () => {
    await untilPart(page, 'plain', 'success', '1');
    for (const p of [
      'fleetFacts',
      'rateFacts',
      'httpFacts',
      'hedgeFacts',
      'cacheFacts',
      'shedFacts',
    ]) {
      expect(await part('plain', p).isVisible()).toBe(false);
    }
  });

  it("shows an adaptive pool's limit as it moves, with its bounds, and nothing for a fixed pool", async () => {
    await untilPart(page, 'adaptive-db', 'adaptiveLimit', '12', 'pools');
    const fact = part('adaptive-db', 'adaptiveFact', 'pools');
    expect(await fact.textContent()).toBe('adaptive limit 12 (2–40)');
    adaptive.limit = 5;
    adaptive.active = 5;
    await clock.advance(100);
    await untilPart(page, 'adaptive-db', 'adaptiveLimit', '5', 'pools');
    // the bar measures active tasks against the limit now: full
    expect(await part('adaptive-db', 'track', 'pools').getAttribute('class')).toBe('bar full');
    expect(await part('fixed-db', 'adaptiveFact', 'pools').isVisible()).toBe(false);
  });
});
