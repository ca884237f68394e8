import { ManualClock } from '@dyno/core/testing';
import { hystrixStream, MetricsRegistry } from '@dyno/metrics';
import type { Browser, Page } from 'playwright-core';
import {
  card,
  launch,
  type Site,
  serve,
  textsOf,
  until,
  untilOrder,
  watch,
} from './test-support/browser.js';

// Sorting, filtering, the keyboard, small screens and another instance's stream, in real
// Chromium against a real hystrixStream.
jest.setTimeout(15_000);

const LONG = 'inventory-service.reserve-stock-for-checkout-with-a-very-long-name-and-no-spaces';

let browser: Browser;
let site: Site;
let remote: Site;
let unlisted: Site;
const streams: Array<ReturnType<typeof hystrixStream>> = [];
let shared: Page | undefined;
let problems: string[] = [];

function registryOf(calls: Record<string, [number, number]>): MetricsRegistry {
  const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
  for (const [name, [successes, failures]] of Object.entries(calls)) {
    const m = registry.get(name);
    for (let i = 0; i < successes; i++) m.record('success', 5);
    for (let i = 0; i < failures; i++) m.record('failure', 5);
  }
  return registry;
}

beforeAll(async () => {
  // error %: alpha 50, charlie 20, bravo 0; volume: bravo 100, charlie 40, alpha 10
  const local = hystrixStream(registryOf({ alpha: [5, 5], bravo: [100, 0], charlie: [32, 8] }));
  [browser, site] = await Promise.all([launch(), serve(local)]);
  // another instance admits the page's origin, as an operator would configure it
  const far = hystrixStream(registryOf({ 'remote-only': [1, 0] }), {
    allowedOrigins: [new URL(site.url).origin],
  });
  const closed = hystrixStream(registryOf({ 'closed-to-us': [1, 0] }));
  streams.push(local, far, closed);
  [remote, unlisted] = await Promise.all([serve(far), serve(closed)]);
});

afterAll(async () => {
  for (const s of streams) s.close();
  await Promise.all([browser?.close(), site?.close(), remote?.close(), unlisted?.close()]);
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

const focused =
  '(() => { const e = document.activeElement; return e.id || e.textContent.trim(); })()';

describe('the dashboard controls', () => {
  it('sorts by error %, by volume and by name with real buttons that say which is on', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilOrder(page, ['alpha', 'charlie', 'bravo']);
    const pressed = () => page.evaluate(textsOf('[data-sort][aria-pressed="true"]'));
    expect(await pressed()).toBe('["Error %"]');
    await page.getByRole('button', { name: 'Volume' }).click();
    await untilOrder(page, ['bravo', 'charlie', 'alpha']);
    expect(await pressed()).toBe('["Volume"]');
    await page.getByRole('button', { name: 'Name' }).click();
    await untilOrder(page, ['alpha', 'bravo', 'charlie']);
    expect(await pressed()).toBe('["Name"]');
  });

  it('filters by name, says how many are shown, and says when nothing matches', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilOrder(page, ['alpha', 'charlie', 'bravo']);
    await page.getByLabel('Filter').fill('AR');
    await untilOrder(page, ['charlie']);
    expect(await page.locator('#circuit-count').textContent()).toBe('1 of 3');
    await page.getByLabel('Filter').fill('zzz');
    await untilOrder(page, []);
    expect(await page.locator('#circuits-empty').textContent()).toBe('Nothing matches “zzz”.');
    await page.getByLabel('Filter').fill('');
    await untilOrder(page, ['alpha', 'charlie', 'bravo']);
    expect(await page.locator('#circuits-empty').isHidden()).toBe(true);
  });

  it('is worked by keyboard alone, in reading order, with a visible focus ring', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilOrder(page, ['alpha', 'charlie', 'bravo']);
    const order: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(focused));
    }
    expect(order).toEqual([
      'Skip to circuits',
      'stream-url',
      'Connect',
      'Error %',
      'Volume',
      'Name',
      'filter',
    ]);
    await page.keyboard.press('Shift+Tab'); // back to "Name"
    const ring = await page.evaluate(
      'getComputedStyle(document.activeElement).outlineStyle + " " + getComputedStyle(document.activeElement).outlineWidth',
    );
    expect(ring).toBe('solid 2px');
    await page.keyboard.press('Space');
    await untilOrder(page, ['alpha', 'bravo', 'charlie']);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter'); // Volume
    await untilOrder(page, ['bravo', 'charlie', 'alpha']);
  });

  it.each([
    [390, 844],
    [1280, 800],
  ])('fits %ix%i without horizontal scrolling, long names included', async (width, height) => {
    const registry = registryOf({ [LONG]: [3, 1], short: [1, 0] });
    const stream = hystrixStream(registry);
    const other = await serve(stream);
    try {
      const page = await open(`${other.url}/dashboard`, width, height);
      await card(page, LONG).waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        width,
      );
      const overflowing = await page.evaluate(
        'Array.from(document.querySelectorAll("article, header, .controls")).filter((e) => e.scrollWidth > e.clientWidth + 1).length',
      );
      expect(overflowing).toBe(0);
      for (const name of ['Error %', 'Volume', 'Name', 'Connect']) {
        const box = await page.getByRole('button', { name }).boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= width).toBe(true);
      }
      expect(await page.evaluate('getComputedStyle(document.body).fontSize')).toBe('14px');
    } finally {
      stream.close();
      await other.close();
    }
  });
});

describe('another instance', () => {
  it('reads the stream typed into the page and keeps it in the address', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilOrder(page, ['alpha', 'charlie', 'bravo']);
    const far = `${remote.url}/hystrix.stream`;
    await page.getByLabel('Stream').fill(far);
    await page.getByLabel('Stream').press('Enter');
    await untilOrder(page, ['remote-only']);
    expect(await page.evaluate('location.search')).toBe(`?stream=${encodeURIComponent(far)}`);
    expect(await page.locator('#conn-text').textContent()).toBe('Live');
  });

  it('cannot read a stream that does not admit its origin, and says so', async () => {
    const far = `${unlisted.url}/hystrix.stream`;
    const page = await open(`${site.url}/dashboard?stream=${encodeURIComponent(far)}`);
    await page.locator('#banner').filter({ hasText: 'Cannot reach the stream' }).waitFor();
    expect(await page.locator('#circuits article').count()).toBe(0);
  });

  it('reads the stream named by ?stream=', async () => {
    const far = `${remote.url}/hystrix.stream`;
    const page = await open(`${site.url}/dashboard?stream=${encodeURIComponent(far)}`);
    await untilOrder(page, ['remote-only']);
    expect(await page.getByLabel('Stream').inputValue()).toBe(far);
  });

  it('refuses a stream URL that is not http or https, and says why', async () => {
    const page = await open(`${site.url}/dashboard`);
    await untilOrder(page, ['alpha', 'charlie', 'bravo']);
    await page.getByLabel('Stream').fill('ftp://example/stream');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#banner').filter({ hasText: 'is not an http or https URL' }).waitFor();
    expect(await page.getByLabel('Stream').getAttribute('aria-invalid')).toBe('true');
    await until(page, 'document.activeElement.id === "stream-url"');
    await untilOrder(page, ['alpha', 'charlie', 'bravo']); // still reading the old stream
  });

  it('says so when the first connection fails, and keeps trying', async () => {
    site.up = false;
    try {
      const page = await open(`${site.url}/dashboard`);
      await page.locator('#banner').filter({ hasText: 'Cannot reach the stream' }).waitFor();
      expect(await page.locator('#circuits-empty').textContent()).toBe('Waiting for the stream…');
      site.up = true;
      await untilOrder(page, ['alpha', 'charlie', 'bravo']);
      expect(await page.locator('#conn').getAttribute('data-state')).toBe('live');
    } finally {
      site.up = true;
    }
  });
});
