import { BrokenCircuitError } from '@dyno/breaker';
import { MetricsRegistry } from '@dyno/metrics';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, ok, reset, status } from './test-support/server.js';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

const breaker = { strategy: { kind: 'consecutive-failures', failures: 2 } } as const;

describe('resilientFetch: the breaker per origin', () => {
  it('never counts a 4xx, and opens on 5xx and network errors', async () => {
    server.script('/missing', status(404));
    server.script('/down', status(500));
    server.script('/gone', reset);
    const client = resilientFetch({ retry: false, breaker });
    for (let i = 0; i < 5; i++) await (await client(server.url('/missing'))).text();
    expect(client.breaker(server.origin)?.state).toBe('closed');
    await (await client(server.url('/down'))).text();
    await client(server.url('/gone')).catch(() => undefined);
    expect(client.breaker(server.origin)?.state).toBe('open');
    const refused = await client(server.url('/missing')).catch((e: unknown) => e);
    expect(BrokenCircuitError.isInstance(refused)).toBe(true);
    expect(server.hits('/missing')).toHaveLength(5); // refused without a request
    expect(client.stats()[0]).toMatchObject({ shortCircuited: 1, circuit: 'open' });
  });

  it('keeps one breaker per origin', async () => {
    const other = await faultServer();
    try {
      server.script('/down', status(503));
      const client = resilientFetch({ retry: false, breaker });
      await (await client(server.url('/down'))).text();
      await (await client(server.url('/down'))).text();
      expect(client.breaker(server.origin)?.state).toBe('open');
      const response = await client(other.url('/fine'));
      await expect(response.text()).resolves.toBe('ok');
      expect(client.breaker(other.origin)?.state).toBe('closed');
      expect(client.breaker('http://never.called')).toBeUndefined();
      // any URL of the origin finds its breaker, written as the user would
      const { port } = new URL(server.origin);
      for (const url of [server.url('/down'), `${server.origin}/`, `HTTP://127.0.0.1:${port}`]) {
        expect(client.breaker(url)).toBe(client.breaker(server.origin));
      }
      expect(client.breaker(`http://localhost:${port}`)).toBeUndefined(); // another origin
      expect(client.breaker('not a url')).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('does not retry a refusal, and answers it with the fallback when there is one', async () => {
    server.script('/down', status(500));
    const fallback = jest.fn(() => new Response('cached', { status: 200 }));
    const client = resilientFetch({ retry: { attempts: 3 }, breaker, fallback });
    const first = await client(server.url('/down')); // 500, 500: the circuit opens, then refuses
    expect(await first.text()).toBe('cached');
    expect(server.hits('/down')).toHaveLength(2);
    const [error, request] = fallback.mock.calls[0] as unknown as [unknown, unknown];
    expect(BrokenCircuitError.isInstance(error)).toBe(true);
    expect(request).toEqual({ url: server.url('/down'), method: 'GET', origin: server.origin });
  });

  it('rejects with what a failing fallback threw', async () => {
    server.script('/gone', reset);
    const boom = new Error('no fallback either');
    const client = resilientFetch({
      retry: false,
      fallback: () => {
        throw boom;
      },
    });
    await expect(client(server.url('/gone'))).rejects.toBe(boom);
  });

  it('works without a breaker', async () => {
    server.script('/down', status(500));
    const client = resilientFetch({ retry: false, breaker: false });
    for (let i = 0; i < 30; i++) await (await client(server.url('/down'))).text();
    expect(client.breaker(server.origin)).toBeUndefined();
    expect(client.stats()[0]?.circuit).toBeUndefined();
  });
});

describe('resilientFetch: metrics per origin', () => {
  it('records outcomes, retries and the circuit in a Metrics named after the origin', async () => {
    server.script('/flaky', status(503), ok('ok'));
    server.script('/gone', reset);
    const registry = new MetricsRegistry();
    const client = resilientFetch({ name: 'api', metrics: registry, retry: { retryAfter: false } });
    await (await client(server.url('/flaky'))).text();
    await client(server.url('/gone'), { method: 'POST' }).catch(() => undefined);
    expect(client.metrics).toBe(registry);
    const snapshot = registry.get(`api ${server.origin}`).snapshot();
    expect(snapshot.counts).toMatchObject({ success: 1, failure: 2 });
    expect(snapshot.retries).toBe(1);
    expect(snapshot.circuit).toMatchObject({ state: 'closed' });
    client.dispose();
    expect(registry.has(`api ${server.origin}`)).toBe(false);
  });

  it('records fallbacks, and nothing with metrics: false', async () => {
    server.script('/gone', reset);
    const client = resilientFetch({ retry: false, fallback: () => new Response('f') });
    await (await client(server.url('/gone'))).text();
    const name = `${client.name} ${server.origin}`;
    expect(client.metrics?.get(name).snapshot().counts).toMatchObject({
      failure: 1,
      fallbackSuccess: 1,
    });
    const quiet = resilientFetch({ metrics: false });
    await (await quiet(server.url('/x'))).text();
    expect(quiet.metrics).toBeUndefined();
  });

  it('forgets the least recently used origin past maxOrigins', async () => {
    const other = await faultServer();
    try {
      const client = resilientFetch({ maxOrigins: 1 });
      await (await client(server.url('/a'))).text();
      await (await client(other.url('/b'))).text();
      expect(client.stats().map((s) => s.origin)).toEqual([other.origin]);
      expect(client.metrics?.has(`${client.name} ${server.origin}`)).toBe(false);
    } finally {
      await other.close();
    }
  });
});
