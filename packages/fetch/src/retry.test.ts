import { ManualClock } from '@dyno/core/testing';
import { ConstantBackoff } from '@dyno/retry';
import { waitFor } from '@dyno-tools/testing';
import { HttpError } from './errors.js';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, ok, rawServer, reset, status } from './test-support/server.js';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

const quick = { backoff: new ConstantBackoff({ delay: 1 }) };

describe('resilientFetch', () => {
  it('answers like fetch: status, headers, body and url', async () => {
    server.script('/hello', ok('hello', 200, { 'x-test': 'yes' }));
    const client = resilientFetch();
    const response = await client(server.url('/hello'));
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-test')).toBe('yes');
    expect(response.url).toBe(server.url('/hello'));
    await expect(response.text()).resolves.toBe('hello');
    client.dispose();
  });

  it('retries a 500 and resolves with the last response when every attempt fails', async () => {
    server.script('/down', status(500));
    const client = resilientFetch({ retry: quick });
    const response = await client(server.url('/down'));
    expect(response.status).toBe(500);
    await expect(response.text()).resolves.toBe('status 500');
    expect(server.hits('/down')).toHaveLength(3);
    expect(client.stats()[0]).toMatchObject({ statuses: { '5xx': 3 }, retries: 2 });
  });

  it('retries a connection reset and answers with the next response', async () => {
    server.script('/flaky', reset, ok('recovered'));
    const client = resilientFetch({ retry: quick });
    const response = await client(server.url('/flaky'));
    await expect(response.text()).resolves.toBe('recovered');
    expect(client.stats()[0]).toMatchObject({ networkErrors: 1, statuses: { '2xx': 1 } });
  });

  it('rejects with the network error itself when every attempt is reset', async () => {
    server.script('/gone', reset);
    const client = resilientFetch({ retry: { ...quick, attempts: 2 } });
    const error = await client(server.url('/gone')).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TypeError'); // fetch's own, from the outer realm
    expect(server.hits('/gone')).toHaveLength(2);
  });

  it('retries 408, 429, 502, 503 and 504 but no other status', async () => {
    const client = resilientFetch({ retry: { ...quick, retryAfter: false } });
    for (const code of [408, 429, 502, 503, 504]) {
      server.script(`/s${code}`, status(code), ok('ok'));
      const response = await client(server.url(`/s${code}`));
      expect([code, response.status]).toEqual([code, 200]);
      await response.text();
    }
    for (const code of [400, 404, 501]) {
      server.script(`/s${code}`, status(code), ok('ok'));
      const response = await client(server.url(`/s${code}`));
      expect([code, response.status]).toEqual([code, code]);
      await response.text();
    }
  });

  it('does not retry a POST, unless it carries an Idempotency-Key', async () => {
    server.script('/orders', status(503), ok('created', 201));
    const client = resilientFetch({ retry: quick });
    const first = await client(server.url('/orders'), { method: 'post', body: 'x' });
    expect(first.status).toBe(503);
    await first.text();
    server.script('/keyed', status(503), ok('created', 201));
    const keyed = await client(server.url('/keyed'), {
      method: 'POST',
      body: 'order 7',
      headers: { 'Idempotency-Key': 'k-7' },
    });
    expect(keyed.status).toBe(201);
    expect(server.hits('/keyed').map((h) => h.body)).toEqual(['order 7', 'order 7']);
  });

  it('retries a POST when the user lists it among the methods', async () => {
    server.script('/p', status(502), ok('ok'));
    const client = resilientFetch({ retry: { ...quick, methods: ['GET', 'POST'] } });
    const response = await client(server.url('/p'), { method: 'POST', body: 'b' });
    expect(response.status).toBe(200);
  });

  it('sends each method as fetch does, and retries the idempotent ones in any case', async () => {
    const raw = await rawServer(503, 200);
    try {
      const client = resilientFetch({
        retry: { ...quick, budget: false, methods: ['GET', 'PUT', 'PATCH'] },
      });
      let n = 0;
      const sent = async (method: string | null) => {
        const path = `/m${++n}`;
        await (await client(raw.url(path), { method } as RequestInit)).text();
        return raw.methods(path);
      };
      expect(await sent('get')).toEqual(['GET', 'GET']);
      expect(await sent('Put')).toEqual(['PUT', 'PUT']);
      expect(await sent('patch')).toEqual(['patch', 'patch']);
      expect(await sent('Patch')).toEqual(['Patch', 'Patch']);
      expect(await sent('PURGE')).toEqual(['PURGE']);
      expect(await sent('purge')).toEqual(['purge']);
      expect(await sent(null)).toEqual(['null']);
      // what fetch itself sends
      for (const method of ['get', 'patch', 'Purge']) {
        await (await fetch(raw.url('/fetch'), { method })).text();
      }
      expect(raw.methods('/fetch')).toEqual(['GET', 'patch', 'Purge']);
    } finally {
      await raw.close();
    }
  });

  it('honours Retry-After in seconds on a 429, on the client clock', async () => {
    const clock = new ManualClock();
    server.script('/limited', status(429, { 'retry-after': '2' }), ok('ok'));
    const client = resilientFetch({ clock, retry: quick });
    const call = client(server.url('/limited'));
    await waitFor(() => client.stats()[0]?.statuses['4xx'] === 1, 'the 4xx counted');
    await clock.advance(1_999);
    expect(server.hits('/limited')).toHaveLength(1);
    await clock.advance(1);
    const response = await call;
    expect(response.status).toBe(200);
    await response.text();
    expect(clock.pending).toBe(0);
  });

  it('honours Retry-After as an HTTP date on a 503', async () => {
    const clock = new ManualClock();
    const at = new Date(Date.now() + 60_000).toUTCString();
    server.script('/maint', status(503, { 'retry-after': at }), ok('back'));
    const client = resilientFetch({
      clock,
      retry: { ...quick, maxDelay: 120_000 },
      timeout: 120_000,
    });
    const call = client(server.url('/maint'));
    await waitFor(() => client.stats()[0]?.statuses['5xx'] === 1, 'the 5xx counted');
    await clock.advance(55_000);
    expect(server.hits('/maint')).toHaveLength(1);
    await clock.advance(6_000);
    await expect((await call).text()).resolves.toBe('back');
  });

  it('caps a Retry-After at maxDelay', async () => {
    const clock = new ManualClock();
    server.script('/long', status(503, { 'retry-after': '3600' }), ok('ok'));
    const client = resilientFetch({ clock, retry: { ...quick, maxDelay: 500 } });
    const call = client(server.url('/long'));
    await waitFor(() => client.stats()[0]?.statuses['5xx'] === 1, 'the 5xx counted');
    await clock.advance(500);
    expect((await call).status).toBe(200);
  });

  it('answers at once with the response when its Retry-After would pass the deadline', async () => {
    const clock = new ManualClock();
    server.script('/later', status(503, { 'retry-after': '5' }), ok('ok'));
    const client = resilientFetch({ clock, timeout: 3_000 });
    const response = await client(server.url('/later'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    await response.text();
    expect(server.hits('/later')).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('rejects with an HttpError carrying status, headers and attempts under throwHttpErrors', async () => {
    server.script('/bad', status(503, { 'x-why': 'maintenance' }), reset, status(500));
    const client = resilientFetch({
      retry: { ...quick, retryAfter: false },
      throwHttpErrors: true,
    });
    const error = (await client(server.url('/bad')).catch((e: unknown) => e)) as HttpError;
    expect(HttpError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DYNO_HTTP_STATUS', status: 500 });
    expect(error.attempts.map((a) => a.status)).toEqual([503, undefined, 500]);
    expect((error.attempts[1]!.error as Error).name).toBe('TypeError');
    expect(error.headers.get('content-type')).toBe('text/plain');
    expect(error.message).toBe(
      `GET ${server.url('/bad')} answered 500 Internal Server Error after 3 attempts`,
    );
    await expect(client(server.url('/ok'))).resolves.toMatchObject({ status: 200 });
  });

  it('makes one attempt with retry: false', async () => {
    server.script('/once', status(503));
    const client = resilientFetch({ retry: false });
    expect((await client(server.url('/once'))).status).toBe(503);
    expect(server.hits('/once')).toHaveLength(1);
  });

  it('stops retrying when the retry budget is spent', async () => {
    const { RetryBudget } = await import('@dyno/retry');
    server.script('/busy', status(503));
    const budget = new RetryBudget({ ratio: 0, minPerSecond: 0.1 }); // one retry per 10 s
    const client = resilientFetch({ retry: { ...quick, budget, retryAfter: false } });
    await (await client(server.url('/busy'))).text();
    await (await client(server.url('/busy'))).text();
    expect(server.hits('/busy')).toHaveLength(3);
  });
});

describe('resilientFetch and redirects it may not follow', () => {
  const redirect =
    (location: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
      res.statusCode = 302;
      res.setHeader('location', location);
      res.end();
    };
  const breaker = { strategy: { kind: 'consecutive-failures' as const, failures: 2 } };

  it("neither retries a redirect refused by redirect: 'error' nor counts it against the origin (regression)", async () => {
    // fetch's TypeError looked like a network error: retried, and the origin's circuit opened
    server.script('/moved', redirect('/elsewhere'));
    const client = resilientFetch({ retry: quick, breaker });
    const error = await client(server.url('/moved'), { redirect: 'error' }).catch((e) => e);
    // what fetch itself rejects with (a TypeError of undici's realm, so not `toBeInstanceOf`)
    expect(error).toMatchObject({ name: 'TypeError', cause: { message: 'unexpected redirect' } });
    expect(server.hits('/moved')).toHaveLength(1);
    expect(client.breaker(server.origin)?.state).toBe('closed');
    expect(client.stats()[0]).toMatchObject({ networkErrors: 0, retries: 0 });
    client.dispose();
  });

  it('neither retries a redirect loop nor counts it against the origin (regression)', async () => {
    server.script('/loop', redirect('/loop'));
    const client = resilientFetch({ retry: quick, breaker });
    await expect(client(server.url('/loop'))).rejects.toMatchObject({ name: 'TypeError' });
    expect(server.hits('/loop')).toHaveLength(21); // fetch's own 20 redirects, once
    expect(client.breaker(server.origin)?.state).toBe('closed');
    client.dispose();
  });

  it('stops hedging at a refused redirect', async () => {
    server.script('/moved', redirect('/elsewhere'));
    const client = resilientFetch({ hedge: { delay: 1_000, budget: false } });
    await expect(client(server.url('/moved'), { redirect: 'error' })).rejects.toMatchObject({
      name: 'TypeError',
    });
    expect(server.hits('/moved')).toHaveLength(1);
    client.dispose();
  });
});
