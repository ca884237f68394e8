// Fault sweep of @dyno/dashboard: the handler against clients that hang, leave or send odd
// requests, its options against values that throw, and the page (in Chromium) against an
// upstream stream that never answers, stalls mid-event, or sends data of the wrong shape, and
// against an address with odd `?delay=`. The handler holds nothing and starts nothing, and has
// no `authorize` hook, no function option and no event (the stream's guard is `hystrixStream`'s,
// swept in @dyno/metrics): what can go wrong here is the network and the stream's data.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import { flushPromises, NON_ERRORS, thrown } from '@dyno/core/testing';
import type { Browser, Page } from 'playwright-core';
import { dashboard } from './dashboard.js';
import { card, launch, textsOf, until, watch } from './test-support/browser.js';
import { close, listen } from './test-support/http.js';

jest.setTimeout(20_000);

/** Waits, a turn of the event loop at a time, until `done()` holds. */
async function settle(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Sends `raw` over a fresh TCP connection and reads until the server ends it. */
function rawRequest(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(port), hostname, () => socket.end(raw));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

const statusOf = (answer: string): number => Number(answer.slice(9, 12));

/** What a handler threw, collected: in a plain `node:http` server it would end the process. */
function guarded(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  thrownOut: unknown[],
) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    try {
      handler(request, response);
    } catch (error) {
      thrownOut.push(error);
    }
  };
}

describe('dashboard handler: hostile input from the network', () => {
  let server: Server;
  let url: string;
  const thrownOut: unknown[] = [];
  const page = dashboard();
  beforeAll(async () => {
    ({ server, url } = await listen(guarded(page, thrownOut)));
  });
  afterAll(() => close(server));
  afterEach(() => {
    expect(thrownOut.splice(0)).toEqual([]);
  });

  it.each([
    '/dashboard?delay=NaN',
    '/dashboard?delay=-1&delay=1e309&delay=99999999999999999999999',
    '/dashboard?delay=&stream=javascript:alert(1)&stream=',
    '/dashboard?%zz=%&&&==',
    '/%',
    '//..//..%2f..%2fetc/passwd',
    '/dashboard#fragment',
    '*',
    'http://elsewhere.example/dashboard',
    `/dashboard?stream=${'x'.repeat(8000)}`,
  ])('answers GET %# (odd path or query) with the page', async (target) => {
    const answer = await rawRequest(
      url,
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(answer)).toBe(200);
    expect(answer).toContain('<!doctype html>');
    expect(answer).toContain('data-stream="./hystrix.stream"');
  });

  it('leaves a URL beyond the header limit to node (431), and serves the next client', async () => {
    const answer = await rawRequest(
      url,
      `GET /dashboard?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(answer)).toBe(431);
    expect((await fetch(`${url}/dashboard`)).status).toBe(200);
  });

  it.each(['OPTIONS', 'DELETE', 'PUT', 'PATCH', 'PROPFIND', 'TRACE'])(
    'answers %s with 405 and Allow: GET, HEAD',
    async (method) => {
      const answer = await rawRequest(
        url,
        `${method} /dashboard HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(answer)).toBe(405);
      expect(answer).toMatch(/\r\nAllow: GET, HEAD\r\n/);
      expect(answer).not.toContain('<!doctype html>');
    },
  );

  it('does not answer a body of garbage after a GET with anything but the page', async () => {
    const answer = await rawRequest(
      url,
      'GET /dashboard HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n\u0000\u0001<x>',
    );
    expect(statusOf(answer)).toBe(200);
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });
});

describe('dashboard handler: clients that hang or leave', () => {
  it('serves a client that pipelines requests and never reads only as far as node buffers, and holds nothing once it leaves', async () => {
    const page = dashboard();
    let served = 0;
    const thrownOut: unknown[] = [];
    const { server, url } = await listen(
      guarded((request, response) => {
        served++;
        page(request, response);
      }, thrownOut),
    );
    const { port } = new URL(url);
    const hog: Socket = connectTcp(Number(port), '127.0.0.1');
    await new Promise((resolve) => hog.once('connect', resolve));
    hog.pause(); // never reads: the server's writes fill the socket buffers
    const request = 'GET /dashboard HTTP/1.1\r\nHost: x\r\n\r\n';
    hog.write(request.repeat(2000));
    await settle(() => served > 0);
    // let the server go as far as it will
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(served).toBeLessThan(2000);
    // another client is served meanwhile
    const other = await rawRequest(url, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(other)).toBe(200);
    hog.destroy();
    const connections = (): Promise<number> =>
      new Promise((resolve, reject) =>
        server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
      );
    while ((await connections()) > 0) await new Promise((resolve) => setImmediate(resolve));
    // closes without closeAllConnections: nothing is held for the client that left
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
    expect(thrownOut).toEqual([]);
  });

  it('answers a request whose client has already left without throwing or erroring', async () => {
    const page = dashboard();
    const thrownOut: unknown[] = [];
    const errors: unknown[] = [];
    let handled = false;
    const { server, url } = await listen((request, response) => {
      response.on('error', (error) => errors.push(error));
      // an application that answers late (after its own await), when the client is gone
      request.socket.once('close', () => {
        guarded(page, thrownOut)(request, response);
        handled = true;
      });
    });
    try {
      const { port } = new URL(url);
      const socket = connectTcp(Number(port), '127.0.0.1', () => {
        socket.write('GET /dashboard HTTP/1.1\r\nHost: x\r\n\r\n', () => socket.destroy());
      });
      await settle(() => handled);
      await flushPromises();
      expect(thrownOut).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close(server);
    }
  });

  it('adds no listener and starts no timer per request: every response finishes and closes alone', async () => {
    const page = dashboard();
    const added: number[] = [];
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { server, url } = await listen((request, response) => {
      const names = ['close', 'finish', 'error', 'drain'] as const;
      const count = (): number =>
        names.reduce(
          (sum, name) =>
            sum +
            response.listenerCount(name) +
            request.listenerCount(name) +
            request.socket.listenerCount(name),
          0,
        );
      const before = count();
      page(request, response);
      added.push(count() - before);
    });
    try {
      for (let i = 0; i < 20; i++) await (await fetch(`${url}/dashboard`)).text();
      expect(added).toEqual(new Array(20).fill(0));
      const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      // keep-alive sockets hold node's own timers; the handler adds none of its own
      expect(timersAfter - timersBefore).toBeLessThanOrEqual(2);
    } finally {
      await close(server);
    }
  });
});

describe('dashboard options: values that throw', () => {
  it.each(NON_ERRORS)(
    'hands on %s thrown by an option getter, and makes no handler',
    (_name, value) => {
      const options = {
        get title(): string {
          throw value;
        },
      };
      expect(thrown(() => dashboard(options))).toEqual({ error: value });
    },
  );

  it.each(NON_ERRORS.filter(([, value]) => value !== undefined))(
    'refuses %s as the options with a TypeError',
    (_name, value) => {
      expect(() => dashboard(value as never)).toThrow(TypeError);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The page in Chromium, reading an upstream stream this file controls byte by byte.

/** An upstream SSE stream under the test's hand, served beside the page. */
interface Upstream {
  readonly url: string;
  readonly asked: string[];
  /** The open stream responses, newest last. */
  readonly clients: ServerResponse[];
  /** What a new stream request gets: answered at once, or never (headers never sent). */
  mode: 'answer' | 'hang';
  send(text: string): void;
  /** Cuts every request left hanging, as a proxy giving up on it would. */
  cutHanging(): void;
  close(): Promise<void>;
}

async function upstream(): Promise<Upstream> {
  const page = dashboard();
  const asked: string[] = [];
  const clients: ServerResponse[] = [];
  const hanging: ServerResponse[] = [];
  const state = { mode: 'answer' as 'answer' | 'hang' };
  const { server, url } = await listen((request, response) => {
    if (!request.url?.startsWith('/hystrix.stream')) return page(request, response);
    asked.push(request.url);
    if (state.mode === 'hang') {
      hanging.push(response);
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
    });
    response.write(': hello\n\n');
    clients.push(response);
    response.on('close', () => clients.splice(clients.indexOf(response), 1));
  });
  return {
    url,
    asked,
    clients,
    get mode() {
      return state.mode;
    },
    set mode(value) {
      state.mode = value;
    },
    send(text) {
      for (const c of clients) c.write(text);
    },
    cutHanging() {
      for (const r of hanging.splice(0)) r.destroy();
    },
    close: () => close(server),
  };
}

const data = (event: unknown): string => `data: ${JSON.stringify(event)}\n\n`;
const command = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'HystrixCommand',
  name,
  group: 'g',
  requestCount: 10,
  errorCount: 1,
  errorPercentage: 10,
  isCircuitBreakerOpen: false,
  rollingCountSuccess: 9,
  rollingCountFailure: 1,
  latencyExecute_mean: 12,
  latencyExecute: { '50': 10, '90': 20, '99': 30, '99.5': 31 },
  propertyValue_metricsRollingStatisticalWindowInMilliseconds: 10000,
  ...extra,
});

describe('the page against a hostile or broken upstream stream (Chromium)', () => {
  let browser: Browser;
  let up: Upstream;
  let tab: Page;
  let problems: string[];
  beforeAll(async () => {
    [browser, up] = await Promise.all([launch(), upstream()]);
    tab = await browser.newPage();
    problems = watch(tab);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), up?.close()]);
  });
  afterEach(() => {
    up.mode = 'answer';
    expect(problems.splice(0)).toEqual([]);
  });

  async function open(query = ''): Promise<void> {
    up.asked.length = 0;
    await tab.goto(`${up.url}/dashboard${query}`, { waitUntil: 'domcontentloaded' });
  }

  /** Every text and attribute of the card of `name` (or of every card), to look for what must never show. */
  const shownIn = async (name?: string): Promise<string> => {
    const root = name === undefined ? '#circuits, #pools' : `article:has(h3[data-part="name"])`;
    const shown =
      (await tab.evaluate(`JSON.stringify(Array.from(document.querySelectorAll(${JSON.stringify(root)}))
      .filter((a) => ${JSON.stringify(name ?? null)} === null || a.querySelector('h3').textContent === ${JSON.stringify(name ?? '')})
      .flatMap((a) => [a, ...a.querySelectorAll('*')])
      .map((e) => [e.textContent, ...Array.from(e.attributes, (x) => x.value)]))`)) as string;
    // an empty list would let any check below pass
    expect(JSON.parse(shown).length).toBeGreaterThan(10);
    return shown;
  };
  const NEVER_SHOWN = /NaN|Infinity|∞|function|native code|undefined/;
  const part = (name: string, p: string, list: 'circuits' | 'pools' = 'circuits') =>
    card(tab, name, list).locator(`[data-part="${p}"]`).textContent();
  /** Sends `text` and waits until the card of `last` is drawn (events arrive in order). */
  async function sendAndDraw(text: string, last: string, list: 'circuits' | 'pools' = 'circuits') {
    await open();
    await until(tab, `document.querySelector('#conn').dataset.state === 'live'`);
    up.send(text);
    await card(tab, last, list).waitFor();
    await tab.evaluate('new Promise((r) => requestAnimationFrame(() => r(0)))');
  }

  it('ignores non-JSON lines, JSON of the wrong kind and events without a name, and draws the next good event', async () => {
    await open();
    await until(tab, `document.querySelector('#conn').dataset.state === 'live'`);
    up.send('data: not json\n\n');
    up.send('data: {"type":"HystrixCommand","name":\n\n');
    for (const bad of [null, 7, 'text', [1, 2], {}, { type: 'HystrixCommand' }, { name: 5 }]) {
      up.send(data(bad));
    }
    up.send(data({ type: 'HystrixCommand', name: { toString: 1 } }));
    up.send('event: other\ndata: {"type":"HystrixCommand","name":"named-event"}\n\n');
    up.send(data({ type: 'Unknown', name: 'stranger' }));
    up.send(data(command('good')));
    await card(tab, 'good').waitFor();
    expect(await tab.evaluate(textsOf('#circuits > article h3'))).toBe(JSON.stringify(['good']));
    expect(await tab.locator('#pools > article').count()).toBe(0);
  });

  it('shows numbers of the wrong kind, NaN in the text and huge values as figures, never as NaN', async () => {
    await sendAndDraw(
      // JSON has no NaN: the stream's own text carries it, as a broken writer might
      'data: {"type":"HystrixCommand","name":"bare-nan","requestCount":NaN}\n\n' +
        [
          command('strings', {
            requestCount: '10',
            errorCount: 'x',
            rollingCountSuccess: '9',
            latencyExecute: 'fast',
            latencyExecute_mean: null,
            dynoCacheMisses: -2,
            dynoCacheStale: 'x',
            dynoShedAdmitted: 5,
            dynoShedRefused: null,
          }),
          command('huge', {
            requestCount: 1e308,
            errorCount: 1e308,
            reportingHosts: -3,
            latencyExecute_mean: 1e308,
            rollingCountSuccess: 1e308,
            rollingCountResponsesFromCache: 1e308,
            dynoCacheMisses: 1e308,
            dynoShedAdmitted: 1e308,
            dynoShedRefused: 1e308,
          }),
          command('hosts-as-object', {
            reportingHosts: { true: 1 },
            isCircuitBreakerOpen: { true: 'x' },
          }),
          {
            type: 'HystrixThreadPool',
            name: 'pool-shapes',
            currentActiveCount: Number.MAX_VALUE,
            currentPoolSize: -4,
            propertyValue_queueSizeRejectionThreshold: 'x',
            dynoLimit: 0,
            dynoLimitMin: 5,
            dynoLimitMax: 1,
            reportingHosts: 'three',
          },
        ]
          .map(data)
          .join(''),
      'pool-shapes',
      'pools',
    );
    expect(await shownIn()).not.toMatch(NEVER_SHOWN);
    expect(await card(tab, 'bare-nan').count()).toBe(0);
    expect(await part('strings', 'rate')).toBe('0/s');
    expect(await part('huge', 'error')).toBe('100 %');
    // counts too large to add still compare: half the reads hit, half the requests are refused
    expect(await part('huge', 'cacheRatio')).toBe('50 %');
    expect(await part('huge', 'shedShare')).toBe(' (50 %)');
    expect(await part('strings', 'cacheMisses')).toBe('0');
    expect(await part('strings', 'shedRefusedFact')).toBe('0 refused (0 %)');
    expect(await part('hosts-as-object', 'state')).toBe('Closed');
  });

  it('shows a state named after what every object inherits as that word, not as Object', async () => {
    await sendAndDraw(
      data(command('prototype-state', { dynoCircuitState: 'constructor' })) +
        data(command('prototype-map', { dynoCircuitState: { constructor: 2, toString: 1 } })) +
        'data: {"type":"HystrixCommand","name":"proto-key","dynoCircuitState":{"__proto__":3}}\n\n',
      'proto-key',
    );
    for (const name of ['prototype-state', 'prototype-map', 'proto-key']) {
      expect(await shownIn(name)).not.toMatch(NEVER_SHOWN);
    }
    expect(await part('prototype-state', 'state')).toBe('constructor');
    expect(await card(tab, 'prototype-state').getAttribute('data-state')).toBe('unknown');
    expect(await part('prototype-map', 'state')).toBe('constructor 2, toString 1');
    expect(await part('proto-key', 'state')).toBe('__proto__');
  });

  it('reads a window of zero, below zero or too small to divide by as the default window', async () => {
    await sendAndDraw(
      [
        command('zero-window', {
          propertyValue_metricsRollingStatisticalWindowInMilliseconds: 0,
          propertyValue_metricsRollingPercentileWindowInMilliseconds: -5,
        }),
        command('negative-window', {
          propertyValue_metricsRollingStatisticalWindowInMilliseconds: -10000,
        }),
        command('tiny-window', {
          requestCount: 1e308,
          propertyValue_metricsRollingStatisticalWindowInMilliseconds: 1e-300,
        }),
      ]
        .map(data)
        .join(''),
      'tiny-window',
    );
    for (const name of ['zero-window', 'negative-window', 'tiny-window']) {
      expect(await shownIn(name)).not.toMatch(NEVER_SHOWN);
    }
    expect(await part('zero-window', 'countWindow')).toBe('Last 10 s');
    expect(await part('zero-window', 'latencyWindow')).toBe('Latency, last 1 min');
    expect(await part('negative-window', 'countWindow')).toBe('Last 10 s');
    expect(await part('negative-window', 'rate')).toBe('1/s');
  });

  it('shows an upstream that never answers as connecting, and draws once it does', async () => {
    up.mode = 'hang';
    await open();
    await settle(() => up.asked.length === 1);
    await until(tab, `document.querySelector('#conn').dataset.state === 'connecting'`);
    expect(await tab.locator('#circuits-empty').textContent()).toBe('Waiting for the stream…');
    expect(await tab.locator('#banner').textContent()).toBe('');
    // cut, as a proxy giving up would: the browser (or the page, after its 1 s) asks again
    up.mode = 'answer';
    up.cutHanging();
    await until(tab, `document.querySelector('#conn').dataset.state === 'live'`, 5000);
    expect(up.asked.length).toBeGreaterThanOrEqual(2);
    up.send(data(command('after-hang')));
    await card(tab, 'after-hang').waitFor();
  });

  it('keeps no half event from a stream that stalls mid-line, and recovers when it is cut', async () => {
    await open();
    await until(tab, `document.querySelector('#conn').dataset.state === 'live'`);
    up.send(data(command('whole')));
    await card(tab, 'whole').waitFor();
    // the stream stalls mid-line: the half line is out of the server (flushed) before the cut
    const half = 'data: {"type":"HystrixCommand","name":"half","requestCount":';
    await Promise.all(up.clients.map((c) => new Promise((r) => c.write(half, r))));
    for (const c of [...up.clients]) c.destroy();
    // the page read every byte before the end of the stream it reports as lost
    await tab.locator('#conn[data-state="lost"]').waitFor();
    expect(await tab.locator('#banner').textContent()).toContain('Stream lost');
    // frozen, not emptied
    expect(await card(tab, 'whole').count()).toBe(1);
    expect(await card(tab, 'half').count()).toBe(0);
    await until(tab, `document.querySelector('#conn').dataset.state === 'live'`, 5000);
  });

  it.each([
    ['?delay=NaN', '/hystrix.stream'],
    ['?delay=-5', '/hystrix.stream'],
    ['?delay=1e3', '/hystrix.stream'],
    ['?delay=', '/hystrix.stream'],
    ['?delay=0', '/hystrix.stream'],
    ['?delay=300&delay=900', '/hystrix.stream?delay=300'],
    ['?delay=0300', '/hystrix.stream?delay=300'],
    // beyond what hystrixStream honours (1 min): asked within it, never as 1e+23
    ['?delay=99999999999999999999999', '/hystrix.stream?delay=60000'],
    ['?delay=999999999', '/hystrix.stream?delay=60000'],
  ])('reads the address %s and asks the stream for %s', async (query, expected) => {
    await open(query);
    await settle(() => up.asked.length > 0);
    expect(up.asked[0]).toBe(expected);
  });

  it('recounts the cards when an update of no card (Turbine meta) removes the last one', async () => {
    // a page of its own: its clock is installed here
    const page = await browser.newPage();
    const seen = watch(page);
    try {
      await page.clock.install();
      await page.goto(`${up.url}/dashboard`, { waitUntil: 'domcontentloaded' });
      await until(page, `document.querySelector('#conn').dataset.state === 'live'`);
      up.send(data(command('goes')) + data({ type: 'HystrixThreadPool', name: 'pool-goes' }));
      await card(page, 'pool-goes', 'pools').waitFor();
      await page.clock.fastForward(11_000);
      up.send(data({ type: 'meta', name: 'meta', reportingHostsLast10Seconds: 1 }));
      await card(page, 'goes').waitFor({ state: 'detached' });
      await page.clock.runFor(100);
      await until(page, `document.querySelector('#circuit-count').textContent === ''`);
      expect(await page.locator('#circuits-empty').textContent()).toBe('No circuits reported yet.');
      expect(await page.locator('#circuits-empty').isVisible()).toBe(true);
      expect(await page.locator('#pool-count').textContent()).toBe('');
      expect(await page.locator('#pools-empty').isVisible()).toBe(true);
      expect(seen).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('removes a card that stopped reporting after at most ten minutes, whatever the ?delay=', async () => {
    await tab.clock.install();
    await open('?delay=999999999');
    await until(tab, `document.querySelector('#conn').dataset.state === 'live'`);
    up.send(data(command('stays')) + data(command('goes')));
    await card(tab, 'goes').waitFor();
    await tab.clock.fastForward(10 * 60_000 + 1000);
    up.send(data(command('stays')));
    await tab.clock.runFor(100);
    await card(tab, 'goes').waitFor({ state: 'detached', timeout: 5000 });
    expect(await card(tab, 'stays').count()).toBe(1);
  });
});
