// Behaviour that mutation testing showed no other test pinned: resolved retry options, refusals
// not retried, the origin table, HttpError fields, Request redirects, bodies and Retry-After.
import { BrokenCircuitError } from '@dyno/breaker';
import { ManualClock, outcome } from '@dyno/core/testing';
import { MetricsRegistry } from '@dyno/metrics';
import { ConstantBackoff } from '@dyno/retry';
import { runWithDeadline } from './deadline.js';
import type { HttpError } from './errors.js';
import { prepareBody } from './internal/body.js';
import { parseRetryAfter } from './internal/retry-after.js';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, status } from './test-support/server.js';
import { streamOf } from './test-support/stream.js';

const URL_X = 'http://example.test/x';
const ORIGIN_X = 'http://example.test';
const zero = new ConstantBackoff({ delay: 0 });

/** A `fetch` double answering every call with a fresh `status` response. */
function answering(code: number, headers: Record<string, string> = {}) {
  return jest.fn(async (_input: string | URL | Request, _init?: RequestInit) => {
    return new Response(`status ${code}`, { status: code, headers });
  });
}

describe('resilientFetch: retry options as resolved', () => {
  it('retries exactly the statuses given, and no default one', async () => {
    const clock = new ManualClock();
    const fetch = jest
      .fn(async () => new Response('down', { status: 503 }))
      .mockResolvedValueOnce(new Response('missing', { status: 404 }))
      .mockResolvedValueOnce(new Response('found'));
    const client = resilientFetch({ clock, fetch, retry: { statuses: [404], backoff: zero } });
    const found = await client(URL_X);
    expect(found.status).toBe(200);
    await found.text();
    const down = await client(URL_X);
    expect(down.status).toBe(503);
    await down.text();
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('retries every call with budget: false, past what a budget would allow', async () => {
    const clock = new ManualClock();
    const fetch = answering(503);
    const client = resilientFetch({
      clock,
      fetch,
      breaker: false,
      retry: { attempts: 2, budget: false, backoff: zero, retryAfter: false },
    });
    for (let i = 0; i < 30; i++) await (await client(URL_X)).text();
    expect(fetch).toHaveBeenCalledTimes(60);
    expect(clock.pending).toBe(0);
  });

  it('keeps its own retry budget on the client clock', async () => {
    const clock = new ManualClock();
    const fetch = answering(503);
    const client = resilientFetch({
      clock,
      fetch,
      breaker: false,
      retry: { attempts: 2, backoff: zero, retryAfter: false },
    });
    for (let i = 0; i < 20; i++) await (await client(URL_X)).text();
    // 10 retries per 10 s window plus 20 % of the calls: 14 of the 20 calls were retried
    expect(fetch).toHaveBeenCalledTimes(34);
    await clock.advance(10_000); // the window has passed: the budget is whole again
    fetch.mockClear();
    await (await client(URL_X)).text();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('answers at once when a Retry-After under maxDelay would pass a shorter scope deadline', async () => {
    const clock = new ManualClock();
    const fetch = answering(503, { 'retry-after': '1' });
    const client = resilientFetch({ clock, fetch });
    const call = runWithDeadline(100, () => client(URL_X), { clock });
    const result = await outcome(call);
    expect(result).not.toBe('pending');
    const response = (result as { value: Response }).value;
    expect(response.status).toBe(503);
    await response.text();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });
});

describe('resilientFetch: what is not retried', () => {
  it('rejects with null when fetch rejects with null, without retrying it', async () => {
    const clock = new ManualClock();
    const fetch = jest.fn(() => Promise.reject(null));
    const client = resilientFetch({ clock, fetch, retry: { backoff: zero } });
    await expect(client(URL_X)).rejects.toBeNull();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });

  it('does not retry a call its open circuit refused', async () => {
    const clock = new ManualClock();
    const fetch = answering(200);
    const client = resilientFetch({ clock, fetch, retry: { backoff: zero } });
    await (await client(URL_X)).text();
    const isolation = client.breaker(ORIGIN_X)?.isolate();
    try {
      const refused = await client(URL_X).catch((e: unknown) => e);
      expect(BrokenCircuitError.isInstance(refused)).toBe(true);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(client.stats()[0]).toMatchObject({ shortCircuited: 1, retries: 0 });
    } finally {
      isolation?.dispose();
    }
  });
});

describe('resilientFetch: the origin table', () => {
  it('keeps the most recently called origins past maxOrigins, not the first ones', async () => {
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch: answering(200),
      maxOrigins: 2,
    });
    for (const host of ['a', 'b', 'a', 'c']) await (await client(`http://${host}.test/`)).text();
    expect(client.stats().map((s) => s.origin)).toEqual(['http://a.test', 'http://c.test']);
    expect(client.breaker('http://a.test')).toBeDefined();
    expect(client.breaker('http://b.test')).toBeUndefined();
  });

  it('forgets origins and disposes with metrics: false', async () => {
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch: answering(200),
      metrics: false,
      maxOrigins: 1,
    });
    await (await client('http://a.test/')).text();
    await (await client('http://b.test/')).text();
    expect(client.stats().map((s) => s.origin)).toEqual(['http://b.test']);
    expect(() => client.dispose()).not.toThrow();
  });

  it('rolls each origin’s metrics window on the client clock', async () => {
    const clock = new ManualClock();
    const registry = new MetricsRegistry();
    const client = resilientFetch({ name: 'api', clock, fetch: answering(200), metrics: registry });
    await (await client(URL_X)).text();
    const metrics = registry.get(`api ${ORIGIN_X}`);
    expect(metrics.snapshot().counts).toMatchObject({ success: 1 });
    await clock.advance(60_000);
    expect(metrics.snapshot().counts).toMatchObject({ success: 0 });
    client.dispose();
  });
});

describe('HttpError', () => {
  it('names the client as its source and counts a single attempt in the singular', async () => {
    const fetch = jest.fn(
      async () => new Response('gone', { status: 404, statusText: 'Not Found' }),
    );
    const client = resilientFetch({
      name: 'api',
      clock: new ManualClock(),
      fetch,
      throwHttpErrors: true,
    });
    const error = (await client(URL_X).catch((e: unknown) => e)) as HttpError;
    expect(error.message).toBe(`GET ${URL_X} answered 404 Not Found after 1 attempt`);
    expect(error.source).toBe('api');
  });

  it('says a status without a reason phrase (HTTP/2) with one space (regression)', async () => {
    // an empty `statusText` left two spaces: `answered 503  after 1 attempt`
    const fetch = jest.fn(async () => new Response('down', { status: 503 }));
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch,
      throwHttpErrors: true,
      retry: false,
    });
    const error = (await client(URL_X).catch((e: unknown) => e)) as HttpError;
    expect(error.message).toBe(`GET ${URL_X} answered 503 after 1 attempt`);
  });
});

describe('resilientFetch: a Request as input', () => {
  it('keeps the redirect mode of a Request, unless init gives one', async () => {
    const fetch = answering(200);
    const client = resilientFetch({ clock: new ManualClock(), fetch });
    await (await client(new Request(URL_X, { redirect: 'manual' }))).text();
    await (await client(new Request(URL_X, { redirect: 'manual' }), { redirect: 'error' })).text();
    await (await client(new Request(URL_X), { redirect: 'manual' })).text();
    expect(fetch.mock.calls.map(([, init]) => init?.redirect)).toEqual([
      'manual',
      'error',
      'manual',
    ]);
  });
});

describe('resilientFetch: a streamed body past maxBufferedBody', () => {
  let server: Awaited<ReturnType<typeof faultServer>>;
  beforeEach(async () => {
    server = await faultServer();
  });
  afterEach(() => server.close());

  it('is sent as a stream even when the caller did not ask for duplex', async () => {
    server.script('/up', status(201));
    const client = resilientFetch({ maxBufferedBody: 4 });
    const response = await client(server.url('/up'), {
      method: 'PUT',
      body: streamOf('abc', 'def', 'ghi'),
    });
    expect(response.status).toBe(201);
    await response.text();
    expect(server.hits('/up').map((h) => h.body)).toEqual(['abcdefghi']);
  });
});

describe('prepareBody', () => {
  it('passes strings, bytes, blobs and search params on as they are, as no stream', async () => {
    for (const body of [
      'text',
      new Uint8Array([1, 2]),
      new Blob(['b']),
      new URLSearchParams('q=1'),
    ]) {
      expect(await prepareBody(body, 0)).toEqual({ body, replayable: true, streamed: false });
    }
  });

  it('buffers a stream of exactly the limit into bytes that can be sent again', async () => {
    const prepared = await prepareBody(streamOf('ab', 'cd'), 4);
    expect(prepared).toEqual({
      body: new TextEncoder().encode('abcd'),
      replayable: true,
      streamed: false,
    });
  });

  it('sends a stream one byte past the limit once, as a stream of everything', async () => {
    const prepared = await prepareBody(streamOf('ab', 'cde', 'f'), 4);
    expect(prepared).toMatchObject({ replayable: false, streamed: true });
    await expect(new Response(prepared.body).text()).resolves.toBe('abcdef');
  });

  it('cancels the caller’s stream when the stream sent in its place is cancelled', async () => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(3)),
      cancel: () => {
        cancelled = true;
      },
    });
    const prepared = await prepareBody(source, 4);
    await (prepared.body as ReadableStream).cancel();
    expect(cancelled).toBe(true);
  });

  it('closes the caller’s async iterable when the stream sent in its place is cancelled', async () => {
    let closed = false;
    async function* parts() {
      try {
        for (;;) yield 'abc';
      } finally {
        closed = true;
      }
    }
    const prepared = await prepareBody(parts(), 4);
    await (prepared.body as ReadableStream).cancel();
    expect(closed).toBe(true);
  });

  it('cancels the stream of an async iterator that has no return method', async () => {
    const bare = {
      [Symbol.asyncIterator]: () => ({ next: async () => ({ done: false, value: 'abc' }) }),
    };
    const prepared = await prepareBody(bare, 4);
    await expect((prepared.body as ReadableStream).cancel()).resolves.toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it('reads delay-seconds of any length, around spaces', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
  });

  it('reads an HTTP date against the wall clock, a past one as 0', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
  });

  it('reads the obsolete RFC 850 and asctime forms as GMT, whatever the local zone', () => {
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed Oct 21 07:28:30 2015', now)).toBe(30_000);
    expect(parseRetryAfter('Wed Oct  1 07:28:30 2015', Date.parse('2015-10-01T07:28:00Z'))).toBe(
      30_000,
    );
  });

  it.each([null, '', 'soon', '5 seconds', '5s', 'abc5', '0x10'])(
    'leaves %j to the backoff',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );

  // `Date.parse` alone reads these as dates in 2001: the wait was 0, and the retry came at once
  it.each(['-1', '1.5', '+5', 'tomorrow 5', '2015-10-21T07:28:30Z', 'Wed, 21 Oct 2015 07:28:30'])(
    'leaves the malformed %j to the backoff too',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});
