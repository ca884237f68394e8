import { listenerReports } from '@dyno/core/testing';
import {
  MetricsLimitError,
  MetricsRegistry,
  prometheusText,
  toHystrixCommand,
} from '@dyno/metrics';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, type Handler, ok, status } from './test-support/server.js';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

describe('resilientFetch: status classes and hedges in each origin’s Metrics', () => {
  it('counts every response by status class, retried ones included, as client.stats() does', async () => {
    server.script('/a', ok('ok'));
    server.script('/moved', status(301, { location: '/a' }));
    server.script('/missing', status(404));
    server.script('/flaky', status(503), ok('ok'));
    const registry = new MetricsRegistry();
    const client = resilientFetch({ name: 'api', metrics: registry, retry: { retryAfter: false } });
    for (const path of ['/a', '/a', '/missing', '/flaky'])
      await (await client(server.url(path))).text();
    await (await client(server.url('/moved'), { redirect: 'manual' })).text();
    const snapshot = registry.get(`api ${server.origin}`).snapshot();
    const statuses = { '1xx': 0, '2xx': 3, '3xx': 1, '4xx': 1, '5xx': 1 };
    expect(snapshot.http).toEqual({
      name: `api ${server.origin}`,
      statuses,
      totals: { statuses },
    });
    expect(client.stats()[0]?.statuses).toEqual(statuses);
    // the calls themselves are outcomes as before: a 404 is a success for the breaker
    expect(snapshot.counts).toMatchObject({ success: 5, failure: 1 });
    expect(toHystrixCommand(snapshot, 0)).toMatchObject({ dynoHttp2xx: 3, dynoHttp5xx: 1 });
    expect(prometheusText(registry)).toContain(
      `dyno_http_responses_total{name="api ${server.origin}",status_class="4xx"} 1\n`,
    );
  });

  it('counts the hedges started and won, and a hedge refused by the budget', async () => {
    const slow: Handler = (_req, res) => server.later(1_500, () => res.end('slow'));
    server.script('/tail', slow, ok('fast'));
    const registry = new MetricsRegistry();
    const client = resilientFetch({
      name: 'api',
      metrics: registry,
      hedge: { delay: 30, budget: false },
    });
    await (await client(server.url('/tail'))).text();
    const snapshot = registry.get(`api ${server.origin}`).snapshot();
    expect(snapshot.hedge).toMatchObject({
      name: `api ${server.origin}`,
      hedges: 1,
      wins: 1,
      refused: 0,
      totals: { hedges: 1, wins: 1, refused: 0 },
    });
    expect(snapshot.http?.statuses['2xx']).toBe(1);
    expect(toHystrixCommand(snapshot, 0)).toMatchObject({ dynoHedges: 1, dynoHedgeWins: 1 });
    expect(prometheusText(registry)).toContain(
      `dyno_hedge_wins_total{name="api ${server.origin}",hedge="api ${server.origin}"} 1\n`,
    );

    // the default budget (10 % of calls) has nothing to spend on a first call
    server.script('/slow', (_req, res) => server.later(100, () => res.end('slow')));
    const budgeted = resilientFetch({ name: 'tight', metrics: registry, hedge: { delay: 10 } });
    await (await budgeted(server.url('/slow'))).text();
    expect(registry.get(`tight ${server.origin}`).snapshot().hedge).toMatchObject({
      hedges: 0,
      wins: 0,
      refused: 1,
    });
  });

  it('shows no hedge without hedging, and stops counting when the client is disposed', async () => {
    const registry = new MetricsRegistry();
    const client = resilientFetch({ name: 'api', metrics: registry });
    await (await client(server.url('/x'))).text();
    const metrics = registry.get(`api ${server.origin}`);
    expect(metrics.snapshot().hedge).toBeNull();
    expect(metrics.snapshot().http?.totals.statuses['2xx']).toBe(1);
    client.dispose();
    expect(registry.has(`api ${server.origin}`)).toBe(false);
  });
});

describe('resilientFetch: two clients of one name on one registry', () => {
  it('share each origin’s entry, which only the last dispose() deletes', async () => {
    const registry = new MetricsRegistry();
    const fetch = async () => new Response('ok');
    const a = resilientFetch({ name: 'api', fetch, metrics: registry });
    const b = resilientFetch({ name: 'api', fetch, metrics: registry });
    await (await a('http://shared.test/1')).text();
    await (await b('http://shared.test/2')).text();
    const name = 'api http://shared.test';
    a.dispose();
    // b still counts into the entry it shares
    expect(registry.has(name)).toBe(true);
    await (await b('http://shared.test/3')).text();
    expect(registry.get(name).snapshot().counts).toMatchObject({ success: 3 });
    b.dispose();
    expect(registry.has(name)).toBe(false);
  });

  it('keep the entry while another client holds it when one forgets the origin (maxOrigins)', async () => {
    const registry = new MetricsRegistry();
    const fetch = async () => new Response('ok');
    const a = resilientFetch({ name: 'api', fetch, metrics: registry, maxOrigins: 1 });
    const b = resilientFetch({ name: 'api', fetch, metrics: registry });
    await (await a('http://one.test/')).text();
    await (await b('http://one.test/')).text();
    await (await a('http://two.test/')).text(); // a forgets one.test
    expect(registry.has('api http://one.test')).toBe(true);
    b.dispose();
    expect(registry.has('api http://one.test')).toBe(false);
    a.dispose();
    expect(registry.size).toBe(0);
  });
});

describe('resilientFetch on a full metrics registry', () => {
  it('still sends the requests of an origin it cannot measure, and reports the refusal once', async () => {
    // the registry's default `whenFull: 'throw'` made every request to a new origin reject
    const registry = new MetricsRegistry({ maxSize: 1 });
    const fetch = async () => new Response('ok');
    const client = resilientFetch({ name: 'api', fetch, metrics: registry, retry: false });
    const reports = await listenerReports(async () => {
      expect(await (await client('http://one.test/')).text()).toBe('ok');
      for (let i = 0; i < 2; i++) {
        expect(await (await client('http://two.test/')).text()).toBe('ok');
      }
    });
    expect(reports).toHaveLength(1);
    expect(MetricsLimitError.isInstance(reports[0]?.error)).toBe(true);
    expect(reports[0]?.source).toBe('@dyno/fetch metrics of "api http://two.test"');
    expect([...registry.names()]).toEqual(['api http://one.test']);
    expect(client.stats().map((o) => o.origin)).toEqual(['http://one.test', 'http://two.test']);
    client.dispose();
    expect(registry.size).toBe(0);
  });
});
