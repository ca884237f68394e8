import { ConstantBackoff } from '@dyno/retry';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, ok, status } from './test-support/server.js';
import { streamOf } from './test-support/stream.js';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

const quick = { backoff: new ConstantBackoff({ delay: 1 }) };

describe('resilientFetch: request bodies', () => {
  it('buffers a streamed body within the limit and sends it again on a retry', async () => {
    server.script('/put', status(503), ok('stored'));
    const client = resilientFetch({ retry: { ...quick, retryAfter: false }, maxBufferedBody: 64 });
    const response = await client(server.url('/put'), {
      method: 'PUT',
      body: streamOf('hello ', 'world'),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(server.hits('/put').map((h) => h.body)).toEqual(['hello world', 'hello world']);
  });

  it('sends a streamed body past the limit once, as it streams, and never retries it', async () => {
    server.script('/put', status(503), ok('stored'));
    const client = resilientFetch({ retry: quick, maxBufferedBody: 4 });
    const response = await client(server.url('/put'), {
      method: 'PUT',
      body: streamOf('abc', 'def', 'ghi'),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(503);
    await response.text();
    expect(server.hits('/put').map((h) => h.body)).toEqual(['abcdefghi']);
  });

  it('sends an async iterable body, and strings, bytes and search params as they are', async () => {
    const client = resilientFetch({ retry: quick });
    async function* parts() {
      yield 'it';
      yield new TextEncoder().encode('er');
    }
    await (await client(server.url('/a'), { method: 'PUT', body: parts() as never })).text();
    await (
      await client(server.url('/a'), { method: 'PUT', body: new Uint8Array([104, 105]) })
    ).text();
    await (
      await client(server.url('/a'), { method: 'PUT', body: new URLSearchParams({ q: '1' }) })
    ).text();
    expect(server.hits('/a').map((h) => h.body)).toEqual(['iter', 'hi', 'q=1']);
  });

  it('sends the bytes of any typed array or DataView a stream yields, as fetch does', async () => {
    const client = resilientFetch({ retry: quick });
    const views = [
      new Int16Array([0x6968]), // 'hi' in little-endian bytes, not [0x68] cut to 8 bits
      new DataView(new TextEncoder().encode('!?').buffer),
      new Uint8Array([0, 65, 66, 0]).subarray(1, 3),
    ];
    const body = new ReadableStream({
      pull(controller) {
        const next = views.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
    const init = { method: 'PUT', body, duplex: 'half' } as RequestInit;
    await (await client(server.url('/v'), init)).text();
    expect(server.hits('/v').map((h) => h.body)).toEqual(['hi!?AB']);
  });

  it('refuses a chunk that is not bytes, rather than sending zeros, and cancels the body', async () => {
    const client = resilientFetch({ retry: quick });
    let cancelled = false;
    async function* numbers() {
      try {
        yield 3;
      } finally {
        cancelled = true;
      }
    }
    const error = await client(server.url('/n'), { method: 'PUT', body: numbers() as never }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      '@dyno/fetch: a request body chunk must be bytes or a string; received 3',
    );
    expect(server.hits('/n')).toEqual([]);
    expect(cancelled).toBe(true);
  });

  it('refuses a stream body part of which was read already, as fetch does, and sends nothing (regression)', async () => {
    // the rest of it was sent as if it were the whole body
    for (const maxBufferedBody of [64, 1]) {
      const body = streamOf('abc', 'def');
      const reader = body.getReader();
      await reader.read();
      reader.releaseLock();
      const client = resilientFetch({ retry: quick, maxBufferedBody });
      await expect(
        client(server.url('/put'), { method: 'PUT', body, duplex: 'half' } as RequestInit),
      ).rejects.toThrow(
        new TypeError(
          '@dyno/fetch: a request body stream must not be disturbed or locked (part of it was read, or a reader holds it)',
        ),
      );
    }
    const locked = streamOf('abc');
    locked.getReader();
    const client = resilientFetch({ retry: quick });
    await expect(
      client(server.url('/put'), { method: 'PUT', body: locked, duplex: 'half' } as RequestInit),
    ).rejects.toThrow('must not be disturbed or locked');
    expect(server.hits('/put')).toHaveLength(0);
  });

  it('takes method, headers and body from a Request, and init overrides them', async () => {
    server.script('/r', status(502), ok('fine'));
    const client = resilientFetch({ retry: quick });
    const request = new Request(server.url('/r'), {
      method: 'PUT',
      headers: { 'x-from': 'request' },
      body: 'from the request',
    });
    const response = await client(request, { headers: { 'x-from': 'init' } });
    expect(response.status).toBe(200);
    const hits = server.hits('/r');
    expect(hits.map((h) => [h.method, h.headers['x-from'], h.body])).toEqual([
      ['PUT', 'init', 'from the request'],
      ['PUT', 'init', 'from the request'],
    ]);
  });

  it('keeps what fetch honours of a Request, its integrity check included, unless init overrides', async () => {
    const mismatch = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const client = resilientFetch({ retry: false });
    const request = new Request(server.url('/i'), { integrity: mismatch });
    const error = (await client(request).catch((e: unknown) => e)) as Error;
    const own = (await fetch(request).catch((e: unknown) => e)) as Error;
    // fetch's own integrity mismatch (a TypeError of the outer realm), as fetch itself gives
    expect([error.name, (error.cause as Error)?.message]).toEqual([
      'TypeError',
      'integrity mismatch',
    ]);
    expect([own.name, (own.cause as Error)?.message]).toEqual(['TypeError', 'integrity mismatch']);
    const fetchImpl = jest.fn(async () => new Response('mine'));
    const double = resilientFetch({ fetch: fetchImpl });
    const keepalive = new Request('http://example.test/', { keepalive: true, credentials: 'omit' });
    await (await double(keepalive, { credentials: 'include' })).text();
    expect(fetchImpl.mock.calls[0]).toMatchObject([
      'http://example.test/',
      { keepalive: true, credentials: 'include', integrity: '', redirect: 'follow' },
    ]);
  });

  it('takes a Request of another realm or copy of undici for a Request, not a URL', async () => {
    const inner = new Request(server.url('/foreign'), {
      method: 'PUT',
      headers: { 'x-from': 'foreign' },
      body: 'payload',
    });
    // what another undici's Request looks like from here: not an instance of this Request
    const foreign = {
      [Symbol.toStringTag]: 'Request',
      url: inner.url,
      method: inner.method,
      headers: inner.headers,
      body: inner.body,
      signal: inner.signal,
    };
    const client = resilientFetch({ retry: false });
    await (await client(foreign as unknown as Request)).text();
    const hits = server.hits('/foreign');
    expect(hits.map((h) => [h.method, h.headers['x-from'], h.body])).toEqual([
      ['PUT', 'foreign', 'payload'],
    ]);
  });

  it('keeps the body of a Request when init gives a null body, as fetch does', async () => {
    const client = resilientFetch({ retry: quick });
    const request = new Request(server.url('/r'), { method: 'PUT', body: 'from the request' });
    await (await client(request, { body: null })).text();
    expect(server.hits('/r').map((h) => h.body)).toEqual(['from the request']);
  });

  it('accepts a URL object and passes unknown init fields to a user-supplied fetch', async () => {
    const fetch = jest.fn(async () => new Response('mine'));
    const dispatcher = { name: 'an undici Agent' };
    const client = resilientFetch({ fetch });
    const response = await client(new URL('http://example.test/path?q=1'), {
      dispatcher,
      redirect: 'manual',
    } as unknown as RequestInit);
    await expect(response.text()).resolves.toBe('mine');
    const [url, init] = fetch.mock.calls[0] as unknown as [
      string,
      RequestInit & { dispatcher: unknown },
    ];
    expect(url).toBe('http://example.test/path?q=1');
    expect(init).toMatchObject({ method: 'GET', redirect: 'manual', dispatcher });
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('rejects a URL that does not parse, as fetch does', async () => {
    const client = resilientFetch();
    const error = await client('not a url').catch((e: unknown) => e);
    expect((error as Error).name).toBe('TypeError');
    await expect(client('http://x.test/', 5 as never)).rejects.toThrow(
      '@dyno/fetch: `init` must be an object; received 5',
    );
  });

  it('rejects a signal that is not an AbortSignal, naming it, and sends nothing', async () => {
    const fetch = jest.fn(async () => new Response('ok'));
    const client = resilientFetch({ fetch });
    for (const [signal, shown] of [
      ['x', '"x"'],
      [5, '5'],
      [{ aborted: false }, 'an object'],
    ] as const) {
      const error = await client('http://x.test/', { signal: signal as never }).catch(
        (e: unknown) => e,
      );
      expect(error).toEqual(
        new TypeError(`@dyno/fetch: \`init.signal\` must be an AbortSignal; received ${shown}`),
      );
    }
    expect(fetch).not.toHaveBeenCalled();
    // `null` is no signal, as for fetch
    await expect(client('http://x.test/', { signal: null })).resolves.toHaveProperty('status', 200);
    client.dispose();
  });
});
