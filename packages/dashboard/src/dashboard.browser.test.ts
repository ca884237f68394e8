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
import {
  card,
  launch,
  type Site,
  serve,
  textsOf,
  untilPart,
  watch,
} from './test-support/browser.js';
import { FakeBreaker, FakePool } from './test-support/fakes.js';

// Real Chromium, real HTTP on 127.0.0.1, the real hystrixStream over real Metrics. The stream
// runs on a ManualClock where a test must know exactly how many updates were sent.
jest.setTimeout(15_000);

const HOSTILE = '<img src=x onerror="window.pwned=1">';

let browser: Browser;
let site: Site;
let clock: ManualClock;
let users: Metrics;
let breaker: FakeBreaker;
let stream: ReturnType<typeof hystrixStream>;
let shared: Page | undefined;
let problems: string[] = [];

beforeAll(async () => {
  clock = new ManualClock();
  const registry = new MetricsRegistry({ metrics: { clock } });
  users = registry.get('get-user', { group: 'users' });
  breaker = new FakeBreaker('get-user');
  users.observe(breaker);
  const pool = new FakePool('db', 4, 8);
  users.observe(pool);
  pool.run();
  pool.run();
  pool.queued = 3;
  pool.refuse();
  for (let i = 0; i < 5; i++) users.record('success', 12);
  users.record('failure', 30);
  users.record('fallback-success');
  registry.get('list-orders').record('success', 4);
  registry.get(HOSTILE);
  stream = hystrixStream(registry, { clock, interval: 100 });
  [browser, site] = await Promise.all([launch(), serve(stream)]);
});

afterAll(async () => {
  stream?.close();
  await Promise.all([browser?.close(), site?.close()]);
});

afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

// One page for the whole file, a fresh document per test: a new page costs 0.2 s.
async function open(url: string, width = 1280, height = 800): Promise<Page> {
  if (shared === undefined) {
    shared = await browser.newPage();
    problems = watch(shared);
  }
  await shared.setViewportSize({ width, height });
  await shared.goto(url, { waitUntil: 'domcontentloaded' });
  return shared;
}

describe('the dashboard page in Chromium, over a real hystrixStream', () => {
  it('shows every circuit with its state, counts, error rate, rate and latency', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilPart(page, 'get-user', 'success', '5');
    const user = card(page, 'get-user');
    expect(await user.locator('[data-part="badge"]').textContent()).toBe('Closed');
    expect(await user.getAttribute('data-state')).toBe('closed');
    expect(await user.locator('[data-part="failure"]').textContent()).toBe('1');
    expect(await user.locator('[data-part="fallback"]').textContent()).toBe('1');
    expect(await user.locator('[data-part="short"]').textContent()).toBe('0');
    expect(await user.locator('[data-part="error"]').textContent()).toBe('16 %');
    expect(await user.locator('[data-part="rate"]').textContent()).toBe('0.6/s');
    expect(await user.locator('[data-part="p50"]').textContent()).toBe('12 ms');
    expect(await user.locator('[data-part="p99.5"]').textContent()).toBe('30 ms');
    expect(await user.locator('[data-part="meta"]').textContent()).toBe('users');
    expect(await page.locator('#circuit-count').textContent()).toBe('3');
    expect(await page.locator('#conn-text').textContent()).toBe('Live');
  });

  it('shows each pool with active, queued and rejected', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilPart(page, 'db', 'active', '2', 'pools');
    const db = card(page, 'db', 'pools');
    expect(await db.locator('[data-part="queued"]').textContent()).toBe('3');
    expect(await db.locator('[data-part="rejected"]').textContent()).toBe('1');
    expect(await db.locator('[data-part="size"]').textContent()).toBe('size 4');
  });

  it('shows a name from the stream as text, never as markup', async () => {
    const page = await open(`${site.url}/dashboard`);
    await card(page, HOSTILE).waitFor();
    expect(await page.evaluate('document.querySelectorAll("main img").length')).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
  });

  it('raises the counts with the next update, without a reload', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilPart(page, 'get-user', 'success', String(users.snapshot().counts.success));
    await page.evaluate('window.sameDocument = true');
    const before = users.snapshot().counts.success;
    users.record('success', 12);
    users.record('success', 12);
    await clock.advance(100);
    await untilPart(page, 'get-user', 'success', String(before + 2));
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  });

  it('shows a breaker forced open as Open, in words, at the very next update', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilPart(page, 'get-user', 'state', 'Closed');
    breaker.moveTo('open');
    users.record('short-circuited');
    await clock.advance(100); // exactly one update: the clock moves no further in this test
    await untilPart(page, 'get-user', 'state', 'Open');
    const user = card(page, 'get-user');
    expect(await user.getAttribute('data-state')).toBe('open');
    expect(await user.locator('[data-part="short"]').textContent()).toBe('1');
    breaker.moveTo('closed');
  });

  it('announces the stream lost and back in a polite live region, and dims stale figures', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilPart(page, 'get-user', 'state', 'Closed');
    site.up = false;
    stream.close(); // ends every client's response, as a restarting process would
    await page.locator('#banner').filter({ hasText: 'Stream lost' }).waitFor({ timeout: 5000 });
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('lost');
    expect(await page.locator('#main').getAttribute('class')).toBe('stale');
    site.up = true;
    await page.locator('#banner').filter({ hasText: 'Stream restored' }).waitFor({ timeout: 5000 });
    expect(await page.locator('#conn-text').textContent()).toBe('Live');
    expect(await page.locator('#main').getAttribute('class')).toBe('');
    const banner = page.locator('#banner');
    expect(await banner.getAttribute('role')).toBe('status');
    expect(await banner.getAttribute('aria-live')).toBe('polite');
    expect(await page.evaluate('document.querySelectorAll("[aria-live]").length')).toBe(1);
  });

  it('updates on its own at the stream interval on the system clock', async () => {
    const live = new Metrics({ name: 'live' });
    const liveStream = hystrixStream(live, { interval: 100 });
    const other = await serve(liveStream);
    try {
      const page = await open(`${other.url}/dashboard`);
      await untilPart(page, 'live', 'success', '0');
      live.record('success', 3);
      await untilPart(page, 'live', 'success', '1');
      live.record('timeout', 1000);
      await untilPart(page, 'live', 'timeout', '1');
    } finally {
      liveStream.close();
      await other.close();
    }
  });
});

describe('the dashboard page: exact circuit states', () => {
  // What @dyno/metrics' stream will carry once it writes the exact state: `dynoCircuitState`.
  function exactStates(_: IncomingMessage, response: ServerResponse): void {
    const c = new ManualClock();
    response.writeHead(200, { 'Content-Type': 'text/event-stream;charset=UTF-8' });
    const states = ['closed', 'open', 'half-open', 'isolated', 'HALF_OPEN', 'forced-open'];
    for (const [i, state] of states.entries()) {
      const command = toHystrixCommand(new Metrics({ name: `c${i}`, clock: c }).snapshot(), 0);
      const event = {
        ...command,
        isCircuitBreakerOpen: state !== 'closed',
        dynoCircuitState: state,
      };
      response.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  }

  it('labels closed, open, half-open and isolated in words, with a state of their own', async () => {
    const other = await serve(exactStates);
    try {
      const page = await open(`${other.url}/dashboard`);
      await card(page, 'c5').waitFor();
      const labels = await page.evaluate(textsOf('#circuits [data-part="state"]'));
      expect(JSON.parse(labels as string).sort()).toEqual(
        ['Closed', 'Half-open', 'Half-open', 'Isolated', 'Open', 'forced-open'].sort(),
      );
      expect(await card(page, 'c2').getAttribute('data-state')).toBe('half-open');
      expect(await card(page, 'c3').getAttribute('data-state')).toBe('isolated');
      expect(await card(page, 'c4').getAttribute('data-state')).toBe('half-open');
      expect(await card(page, 'c5').getAttribute('data-state')).toBe('unknown');
      expect(await card(page, 'c3').locator('[data-part="icon"]').getAttribute('href')).toBe(
        '#i-isolated',
      );
    } finally {
      await other.close();
    }
  });
});

describe('the dashboard page: figures that read right', () => {
  // One update, written once: a circuit with a few errors among many calls, a disabled
  // (count-only) circuit, a Dyno pool with abandoned tasks and a Hystrix pool without the field.
  function figures(_: IncomingMessage, response: ServerResponse): void {
    const c = new ManualClock();
    const few = new Metrics({ name: 'few-errors', clock: c });
    for (let i = 0; i < 994; i++) few.record('success', 10);
    few.record('failure', 40);
    few.record('failure', 40);
    for (let i = 0; i < 4; i++) few.record('timeout', 1000);
    const counting = new Metrics({ name: 'counting', clock: c });
    const breaker = new FakeBreaker('counting');
    counting.observe(breaker);
    breaker.moveTo('disabled');
    const pool = new FakePool('dyno-pool', 4, 8);
    counting.observe(pool);
    pool.abandoned = 2;
    const dynoPool = toHystrixThreadPool(counting.snapshot(), 0) as Record<string, unknown>;
    const hystrixPool: Record<string, unknown> = { ...dynoPool, name: 'hystrix-pool' };
    delete hystrixPool.dynoAbandonedCount;
    response.writeHead(200, { 'Content-Type': 'text/event-stream;charset=UTF-8' });
    for (const event of [
      toHystrixCommand(few.snapshot(), 0),
      toHystrixCommand(counting.snapshot(), 0),
      dynoPool,
      hystrixPool,
    ]) {
      response.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  }

  it('shows an error rate under 10 % with one decimal, the mean, and both windows', async () => {
    const other = await serve(figures);
    try {
      const page = await open(`${other.url}/dashboard`);
      await untilPart(page, 'few-errors', 'failure', '2');
      const few = card(page, 'few-errors');
      // 6 errors in 1000 calls: not "0 %"
      expect(await few.locator('[data-part="error"]').textContent()).toBe('0.6 %');
      expect(await few.locator('[data-part="circle"]').getAttribute('fill')).toBe('#2da44e');
      expect(await few.locator('[data-part="mean"]').textContent()).toBe('14 ms');
      expect(await few.locator('[data-part="countWindow"]').textContent()).toBe('Last 10 s');
      expect(await few.locator('[data-part="latencyWindow"]').textContent()).toBe(
        'Latency, last 1 min',
      );
    } finally {
      await other.close();
    }
  });

  it('labels a disabled (count-only) circuit Disabled, not Closed or Open', async () => {
    const other = await serve(figures);
    try {
      const page = await open(`${other.url}/dashboard`);
      await untilPart(page, 'counting', 'state', 'Disabled');
      const counting = card(page, 'counting');
      expect(await counting.getAttribute('data-state')).toBe('disabled');
      expect(await counting.locator('[data-part="icon"]').getAttribute('href')).toBe('#i-disabled');
    } finally {
      await other.close();
    }
  });

  it('shows the abandoned tasks of a Dyno pool, and nothing for a pool without the field', async () => {
    const other = await serve(figures);
    try {
      const page = await open(`${other.url}/dashboard`);
      await untilPart(page, 'dyno-pool', 'abandoned', '2', 'pools');
      const fact = card(page, 'dyno-pool', 'pools').locator('[data-part="abandonedFact"]');
      expect(await fact.isVisible()).toBe(true);
      expect(await fact.textContent()).toBe('2 abandoned');
      expect(await fact.getAttribute('class')).toBe('warn');
      await card(page, 'hystrix-pool', 'pools').waitFor();
      const none = card(page, 'hystrix-pool', 'pools').locator('[data-part="abandonedFact"]');
      expect(await none.isVisible()).toBe(false);
    } finally {
      await other.close();
    }
  });
});
