import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ManualClock } from '@dyno/core/testing';
import {
  HYSTRIX_DEFAULT_PROPERTIES,
  toHystrixCommand,
  toHystrixThreadPool,
} from './hystrix-format.js';
import { hystrixStream } from './hystrix-stream.js';
import { Metrics } from './metrics.js';
import { MetricsRegistry } from './registry.js';
import { FakeBreaker, FakeCache, FakePool, FakeTieredStore } from './test-support/fakes.js';
import { close, listen, open } from './test-support/http.js';

const events = (body: string): Record<string, unknown>[] =>
  body
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);

/** A response double: enough of ServerResponse for the handler. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  status = 0;
  headers: Record<string, string> = {};
  ended = false;
  writableNeedDrain = false;
  writeHead(status: number, headers: Record<string, string>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(chunk?: string): this {
    if (chunk !== undefined) this.chunks.push(chunk);
    this.ended = true;
    this.emit('close');
    return this;
  }
  leave(): void {
    this.emit('close');
  }
}
const connect = (
  handler: ReturnType<typeof hystrixStream>,
  url = '/hystrix.stream',
): FakeResponse => {
  const response = new FakeResponse();
  handler({ headers: {}, url } as IncomingMessage, response as unknown as ServerResponse);
  return response;
};

const COMMAND_FIELDS = [
  'type',
  'name',
  'group',
  'currentTime',
  'isCircuitBreakerOpen',
  'errorPercentage',
  'errorCount',
  'requestCount',
  'rollingCountBadRequests',
  'rollingCountCollapsedRequests',
  'rollingCountEmit',
  'rollingCountExceptionsThrown',
  'rollingCountFailure',
  'rollingCountFallbackEmit',
  'rollingCountFallbackFailure',
  'rollingCountFallbackMissing',
  'rollingCountFallbackRejection',
  'rollingCountFallbackSuccess',
  'rollingCountResponsesFromCache',
  'rollingCountSemaphoreRejected',
  'rollingCountShortCircuited',
  'rollingCountSuccess',
  'rollingCountThreadPoolRejected',
  'rollingCountTimeout',
  'currentConcurrentExecutionCount',
  'rollingMaxConcurrentExecutionCount',
  'latencyExecute_mean',
  'latencyExecute',
  'latencyTotal_mean',
  'latencyTotal',
  'propertyValue_circuitBreakerRequestVolumeThreshold',
  'propertyValue_circuitBreakerSleepWindowInMilliseconds',
  'propertyValue_circuitBreakerErrorThresholdPercentage',
  'propertyValue_circuitBreakerForceOpen',
  'propertyValue_circuitBreakerForceClosed',
  'propertyValue_circuitBreakerEnabled',
  'propertyValue_executionIsolationStrategy',
  'propertyValue_executionIsolationThreadTimeoutInMilliseconds',
  'propertyValue_executionTimeoutInMilliseconds',
  'propertyValue_executionIsolationThreadInterruptOnTimeout',
  'propertyValue_executionIsolationThreadPoolKeyOverride',
  'propertyValue_executionIsolationSemaphoreMaxConcurrentRequests',
  'propertyValue_fallbackIsolationSemaphoreMaxConcurrentRequests',
  'propertyValue_requestCacheEnabled',
  'propertyValue_requestLogEnabled',
  'propertyValue_metricsRollingStatisticalWindowInMilliseconds',
  'propertyValue_metricsRollingPercentileWindowInMilliseconds',
  'reportingHosts',
  'threadPool',
];

function busyMetrics(clock: ManualClock): Metrics {
  const m = new Metrics({ name: 'get-user', group: 'users', clock });
  for (let i = 1; i <= 7; i++) m.record('success', i * 10.4);
  m.record('failure', 3);
  m.record('timeout', 1000);
  m.record('short-circuited');
  m.record('rejected');
  m.record('fallback-success');
  m.record('fallback-failure');
  m.begin();
  return m;
}

describe('toHystrixCommand', () => {
  it('writes every field the Hystrix dashboard and Turbine read, as integers', () => {
    const clock = new ManualClock();
    const m = busyMetrics(clock);
    const breaker = new FakeBreaker();
    m.observe(breaker);
    breaker.moveTo('open');
    const command = toHystrixCommand(m.snapshot(), 1_700_000_000_123.4);
    expect(Object.keys(command).sort()).toEqual([...COMMAND_FIELDS, 'dynoCircuitState'].sort());
    expect(command).toMatchObject({
      type: 'HystrixCommand',
      dynoCircuitState: 'open',
      name: 'get-user',
      group: 'users',
      currentTime: 1_700_000_000_123,
      isCircuitBreakerOpen: true,
      errorPercentage: 36, // 4 of 11, truncated as Hystrix does
      errorCount: 4,
      requestCount: 11,
      rollingCountSuccess: 7,
      rollingCountFailure: 1,
      rollingCountTimeout: 1,
      rollingCountShortCircuited: 1,
      rollingCountThreadPoolRejected: 0,
      rollingCountSemaphoreRejected: 1,
      rollingCountFallbackSuccess: 1,
      rollingCountFallbackFailure: 1,
      currentConcurrentExecutionCount: 1,
      rollingMaxConcurrentExecutionCount: 1,
      propertyValue_metricsRollingStatisticalWindowInMilliseconds: 10_000,
      propertyValue_metricsRollingPercentileWindowInMilliseconds: 60_000,
      propertyValue_circuitBreakerErrorThresholdPercentage: 50,
      reportingHosts: 1,
      threadPool: 'get-user',
    });
    expect(Object.keys(command.latencyExecute as object).sort()).toEqual([
      '0',
      '100',
      '25',
      '50',
      '75',
      '90',
      '95',
      '99',
      '99.5',
    ]);
    expect(command.latencyExecute).toEqual(command.latencyTotal);
    for (const v of Object.values(command.latencyExecute as object))
      expect(Number.isInteger(v)).toBe(true);
    expect((command.latencyExecute as Record<string, number>)['100']).toBe(1000);
    expect((command.latencyExecute as Record<string, number>)['0']).toBe(3);
    expect(Number.isInteger(command.latencyExecute_mean)).toBe(true);
  });

  it('writes zeros and a closed circuit for an empty, unobserved Metrics', () => {
    const command = toHystrixCommand(
      new Metrics({ name: 'idle', clock: new ManualClock() }).snapshot(),
      0,
    );
    expect('dynoCircuitState' in command).toBe(false);
    expect(command).toMatchObject({
      isCircuitBreakerOpen: false,
      errorPercentage: 0,
      requestCount: 0,
      latencyExecute_mean: 0,
    });
    expect((command.latencyExecute as Record<string, number>)['50']).toBe(0);
  });

  it('counts rejections as semaphore rejections under the default SEMAPHORE isolation', () => {
    const m = new Metrics({ clock: new ManualClock() });
    m.record('rejected');
    m.record('rejected');
    const semaphore = toHystrixCommand(m.snapshot(), 0);
    expect(semaphore.propertyValue_executionIsolationStrategy).toBe('SEMAPHORE');
    expect(semaphore.rollingCountSemaphoreRejected).toBe(2);
    expect(semaphore.rollingCountThreadPoolRejected).toBe(0);
    const thread = toHystrixCommand(m.snapshot(), 0, {
      ...HYSTRIX_DEFAULT_PROPERTIES,
      executionIsolationStrategy: 'THREAD',
    });
    expect(thread.rollingCountSemaphoreRejected).toBe(0);
    expect(thread.rollingCountThreadPoolRejected).toBe(2);
  });

  it('shows a disabled (count-only) circuit as closed and forced closed, an isolated one as forced open', () => {
    const m = new Metrics({ clock: new ManualClock() });
    const breaker = new FakeBreaker();
    m.observe(breaker);
    breaker.moveTo('disabled');
    expect(m.snapshot().circuit?.open).toBe(false);
    expect(toHystrixCommand(m.snapshot(), 0)).toMatchObject({
      isCircuitBreakerOpen: false,
      dynoCircuitState: 'disabled',
      propertyValue_circuitBreakerForceClosed: true,
      propertyValue_circuitBreakerForceOpen: false,
    });
    breaker.moveTo('isolated');
    expect(toHystrixCommand(m.snapshot(), 0)).toMatchObject({
      isCircuitBreakerOpen: true,
      dynoCircuitState: 'isolated',
      propertyValue_circuitBreakerForceClosed: false,
      propertyValue_circuitBreakerForceOpen: true,
    });
  });

  it('writes an observed cache: hits as responses from cache, the rest as dyno fields', () => {
    const m = new Metrics({ clock: new ManualClock() });
    const tier = new FakeTieredStore();
    const cache = new FakeCache('cache', tier);
    m.observe(cache);
    cache.busy();
    tier.busy();
    cache.circuit.emit({ name: 'cache', state: 'open' });
    expect(toHystrixCommand(m.snapshot(), 0)).toMatchObject({
      rollingCountResponsesFromCache: 2,
      dynoCacheMisses: 1,
      dynoCacheStale: 1,
      dynoCacheRefreshes: 1,
      dynoCacheLoads: 3,
      dynoCacheLoadFailures: 2,
      dynoCacheStoreErrors: 1,
      dynoCacheBusDrops: 1,
      dynoCacheBusErrors: 1,
      dynoCacheStoreCircuitOpened: 1,
      dynoCacheTierReadErrors: 1,
    });
  });

  it('takes other property values', () => {
    const s = new Metrics({ clock: new ManualClock() }).snapshot();
    const command = toHystrixCommand(s, 0, {
      ...HYSTRIX_DEFAULT_PROPERTIES,
      circuitBreakerErrorThresholdPercentage: 25,
    });
    expect(command.propertyValue_circuitBreakerErrorThresholdPercentage).toBe(25);
  });
});

describe('toHystrixThreadPool', () => {
  it('maps an observed pool to the HystrixThreadPool fields', () => {
    const m = new Metrics({ name: 'svc', clock: new ManualClock() });
    expect(toHystrixThreadPool(m.snapshot(), 0)).toBeUndefined();
    const pool = new FakePool('db', 4, Number.POSITIVE_INFINITY);
    m.observe(pool);
    pool.run();
    pool.run();
    pool.queued = 5;
    pool.refuse();
    expect(toHystrixThreadPool(m.snapshot(), 42)).toEqual({
      type: 'HystrixThreadPool',
      name: 'db',
      currentTime: 42,
      currentActiveCount: 2,
      currentCompletedTaskCount: 0,
      currentCorePoolSize: 4,
      currentLargestPoolSize: 2,
      currentMaximumPoolSize: 4,
      currentPoolSize: 4,
      currentQueueSize: 5,
      currentTaskCount: 7,
      rollingCountThreadsExecuted: 2,
      rollingMaxActiveThreads: 2,
      rollingCountCommandRejections: 1,
      dynoAbandonedCount: 0,
      dynoLimit: 4,
      propertyValue_queueSizeRejectionThreshold: 2_147_483_647,
      propertyValue_metricsRollingStatisticalWindowInMilliseconds: 10_000,
      reportingHosts: 1,
    });
    expect(toHystrixCommand(m.snapshot(), 0).threadPool).toBe('db');
  });

  it("carries the pool's abandoned tasks as dynoAbandonedCount, read at snapshot time", () => {
    const m = new Metrics({ name: 'svc', clock: new ManualClock() });
    const pool = new FakePool('db');
    m.observe(pool);
    pool.abandoned = 3;
    expect(m.snapshot().pool?.abandoned).toBe(3);
    expect(toHystrixThreadPool(m.snapshot(), 0)?.dynoAbandonedCount).toBe(3);
    pool.abandoned = 1;
    expect(toHystrixThreadPool(m.snapshot(), 0)?.dynoAbandonedCount).toBe(1);
  });
});

describe('hystrixStream', () => {
  it('sends on connect, then every 500 ms, only while a client is connected', async () => {
    const clock = new ManualClock();
    const m = busyMetrics(clock);
    const stream = hystrixStream(m, { clock, currentTime: () => 7 });
    expect(clock.pending).toBe(0);
    const a = connect(stream);
    expect(a.status).toBe(200);
    expect(a.headers['Content-Type']).toBe('text/event-stream;charset=UTF-8');
    expect(a.chunks).toHaveLength(1);
    expect(clock.pending).toBe(1);
    const b = connect(stream);
    expect(stream.clients).toBe(2);
    expect(clock.pending).toBe(1);
    await clock.advance(499);
    expect(a.chunks).toHaveLength(1);
    await clock.advance(1);
    expect(a.chunks).toHaveLength(2);
    expect(b.chunks).toHaveLength(2);
    await clock.advance(1000);
    expect(a.chunks).toHaveLength(4);
    a.leave();
    expect(clock.pending).toBe(1);
    b.leave();
    expect(stream.clients).toBe(0);
    expect(clock.pending).toBe(0);
    await clock.advance(5000);
    expect(a.chunks).toHaveLength(4);
    const c = connect(stream);
    expect(clock.pending).toBe(1);
    stream.close();
    expect(c.ended).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('also stops under jest modern fake timers with the system clock', async () => {
    jest.useFakeTimers();
    try {
      const m = new Metrics({ name: 'x' });
      const stream = hystrixStream(m, { interval: 100 });
      const a = connect(stream);
      await jest.advanceTimersByTimeAsync(300);
      expect(a.chunks).toHaveLength(4);
      a.leave();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('skips a beat for a client that cannot keep up', async () => {
    const clock = new ManualClock();
    const stream = hystrixStream(new Metrics({ clock }), { clock });
    const a = connect(stream);
    a.writableNeedDrain = true;
    await clock.advance(500);
    expect(a.chunks).toHaveLength(1);
    stream.close();
  });

  it('answers 503 beyond maxClients', () => {
    const clock = new ManualClock();
    const stream = hystrixStream(new Metrics({ clock }), { clock, maxClients: 1 });
    connect(stream);
    const refused = connect(stream);
    expect(refused.status).toBe(503);
    expect(refused.chunks.join('')).toBe('MaxConcurrentConnections reached: 1');
    expect(stream.clients).toBe(1);
    stream.close();
  });

  it('pings when there is nothing to report, and reads a registry afresh', async () => {
    const clock = new ManualClock();
    const registry = new MetricsRegistry({ metrics: { clock } });
    const stream = hystrixStream(registry, { clock });
    const a = connect(stream);
    expect(a.chunks[0]).toBe('ping: \n\n');
    registry.get('late');
    await clock.advance(500);
    expect(events(a.chunks[1] as string).map((e) => e.name)).toEqual(['late']);
    stream.close();
  });

  it('sends one HystrixThreadPool per pool even when several names share it', () => {
    const clock = new ManualClock();
    const pool = new FakePool('shared');
    const a = new Metrics({ name: 'a', clock });
    const b = new Metrics({ name: 'b', clock });
    a.observe(pool);
    b.observe(pool);
    const client = connect(hystrixStream([a, b], { clock }));
    expect(events(client.chunks[0] as string).map((e) => `${e.type}:${e.name}`)).toEqual([
      'HystrixCommand:a',
      'HystrixThreadPool:shared',
      'HystrixCommand:b',
    ]);
    client.leave();
  });

  it.each([
    [{ interval: 0 }, RangeError, 'option `interval` must be a duration in ms from 1'],
    [{ maxClients: 0 }, RangeError, 'option `maxClients`'],
    [{ currentTime: 5 }, TypeError, 'option `currentTime` must be a function'],
    [{ every: 5 }, TypeError, 'unknown option `every`'],
  ])('rejects %j', (options, Kind, message) => {
    const m = new Metrics();
    expect(() => hystrixStream(m, options as never)).toThrow(Kind);
    expect(() => hystrixStream(m, options as never)).toThrow(message);
  });

  it('rejects a source that is not Metrics', () => {
    expect(() => hystrixStream(5 as never)).toThrow(
      '@dyno/metrics: the stream source must be a Metrics or an iterable of Metrics (such as a MetricsRegistry); received 5',
    );
  });

  it('serves the wire format over real HTTP on 127.0.0.1 and stops when the client leaves', async () => {
    const clock = new ManualClock();
    const m = busyMetrics(clock);
    const pool = new FakePool('db');
    m.observe(pool);
    const stream = hystrixStream(m, { clock });
    const { server, url } = await listen((req, res) =>
      req.url === '/hystrix.stream' ? stream(req, res) : res.end(),
    );
    try {
      const client = await open(`${url}/hystrix.stream`);
      expect(client.response.statusCode).toBe(200);
      expect(client.response.headers['content-type']).toBe('text/event-stream;charset=UTF-8');
      expect(client.response.headers['cache-control']).toBe(
        'no-cache, no-store, max-age=0, must-revalidate',
      );
      const first = await client.until((b) => b.split('\n\n').length > 2);
      expect(first).toMatch(
        /^data: \{"type":"HystrixCommand","name":"get-user",.*\}\n\ndata: \{"type":"HystrixThreadPool","name":"db",.*\}\n\n$/,
      );
      const [command] = events(first);
      expect(Object.keys(command as object).sort()).toEqual([...COMMAND_FIELDS].sort());
      m.record('success', 1);
      await clock.advance(500);
      const second = await client.until((b) => events(b).length >= 4);
      expect(events(second)[2]?.rollingCountSuccess).toBe(8);
      client.response.destroy();
      await new Promise<void>((resolve) => {
        const poll = (): void => (stream.clients === 0 ? resolve() : void setImmediate(poll));
        poll();
      });
      expect(clock.pending).toBe(0);
    } finally {
      await close(server);
    }
  });
});

describe('hystrixStream: the pace a client asks for with ?delay=', () => {
  it("sends each client at its own ?delay=, as Hystrix's servlet does, one timer per pace", async () => {
    const clock = new ManualClock();
    const stream = hystrixStream(new Metrics({ name: 'x', clock }), { clock });
    const plain = connect(stream);
    const slow = connect(stream, '/hystrix.stream?delay=2000');
    const fast = connect(stream, '/hystrix.stream?delay=250');
    const same = connect(stream, '/hystrix.stream?foo=1&delay=500');
    expect(clock.pending).toBe(3);
    await clock.advance(250);
    expect([plain, slow, fast, same].map((r) => r.chunks.length)).toEqual([1, 1, 2, 1]);
    await clock.advance(250);
    expect([plain, slow, fast, same].map((r) => r.chunks.length)).toEqual([2, 1, 3, 2]);
    await clock.advance(1500);
    expect([plain, slow, fast, same].map((r) => r.chunks.length)).toEqual([5, 2, 9, 5]);
    fast.leave();
    expect(clock.pending).toBe(2);
    slow.leave();
    plain.leave();
    expect(clock.pending).toBe(1);
    same.leave();
    expect(clock.pending).toBe(0);
  });

  it.each([
    ['?delay=1', 100],
    ['?delay=0', 100],
    ['?delay=999999999', 60_000],
    ['?delay=abc', 500],
    ['?delay=-5', 500],
    ['?delay=1.5', 500],
    ['?delay=', 500],
  ])(
    'keeps %s within 100 ms to 1 min, and ignores a delay that is no number',
    async (query, pace) => {
      const clock = new ManualClock();
      const stream = hystrixStream(new Metrics({ name: 'x', clock }), { clock });
      const client = connect(stream, `/hystrix.stream${query}`);
      await clock.advance(pace - 1);
      expect(client.chunks).toHaveLength(1);
      await clock.advance(1);
      expect(client.chunks).toHaveLength(2);
      stream.close();
    },
  );

  it('lets a client ask for a configured interval under 100 ms', async () => {
    const clock = new ManualClock();
    const stream = hystrixStream(new Metrics({ name: 'x', clock }), { clock, interval: 20 });
    const client = connect(stream, '/hystrix.stream?delay=1');
    await clock.advance(20);
    expect(client.chunks).toHaveLength(2);
    stream.close();
    expect(clock.pending).toBe(0);
  });

  it('honours ?delay= over real HTTP', async () => {
    const clock = new ManualClock();
    const stream = hystrixStream(new Metrics({ name: 'x', clock }), { clock });
    const { server, url } = await listen((req, res) => stream(req, res));
    try {
      const client = await open(`${url}/hystrix.stream?delay=1000`);
      await client.until((b) => events(b).length === 1);
      await clock.advance(500);
      await clock.advance(499);
      expect(events(client.body())).toHaveLength(1);
      await clock.advance(1);
      expect(events(await client.until((b) => events(b).length === 2))).toHaveLength(2);
    } finally {
      stream.close();
      await close(server);
    }
  });
});

describe('hystrixStream: who may read it', () => {
  async function request(
    stream: ReturnType<typeof hystrixStream>,
    headers: Record<string, string>,
  ): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    const { server, url } = await listen((req, res) => stream(req, res));
    try {
      const controller = new AbortController();
      const response = await fetch(url, { headers, signal: controller.signal });
      const reader = response.body?.getReader();
      const first = await reader?.read();
      controller.abort();
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: new TextDecoder().decode(first?.value),
      };
    } finally {
      stream.close();
      await close(server);
    }
  }
  const m = (): Metrics => new Metrics({ name: 'get-user', clock: new ManualClock() });

  it('sends no CORS header by default and refuses a page of another origin', async () => {
    const stream = hystrixStream(m(), { clock: new ManualClock() });
    const plain = await request(stream, {});
    expect(plain.status).toBe(200);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    expect(plain.body).toContain('"name":"get-user"');
    const foreign = await request(stream, { Origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).not.toContain('get-user');
    expect(stream.clients).toBe(0);
  });

  it('admits a page of its own origin and the origins listed, echoing the origin', async () => {
    const stream = hystrixStream(m(), {
      clock: new ManualClock(),
      allowedOrigins: ['https://ops.example.com'],
    });
    const listed = await request(stream, { Origin: 'https://ops.example.com' });
    expect(listed.status).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    expect(listed.headers.vary).toBe('Origin');
    const { server, url } = await listen((req, res) => stream(req, res));
    try {
      const own = new URL(url).origin;
      const controller = new AbortController();
      const response = await fetch(url, { headers: { Origin: own }, signal: controller.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      controller.abort();
    } finally {
      stream.close();
      await close(server);
    }
    const any = hystrixStream(m(), { clock: new ManualClock(), allowedOrigins: ['*'] });
    const anyone = await request(any, { Origin: 'https://anyone.example' });
    expect(anyone.headers['access-control-allow-origin']).toBe('*');
  });

  it('serves only what `authorize` allows: 403 when refused, 500 when it throws', async () => {
    const allowed = hystrixStream(m(), {
      clock: new ManualClock(),
      authorize: (req) => req.headers.authorization === 'Bearer ops',
    });
    expect((await request(allowed, { Authorization: 'Bearer ops' })).status).toBe(200);
    const refused = await request(allowed, {});
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain('get-user');
    const later = hystrixStream(m(), { clock: new ManualClock(), authorize: async () => true });
    expect((await request(later, {})).status).toBe(200);
    const throws = hystrixStream(m(), {
      clock: new ManualClock(),
      authorize: () => {
        throw new Error('down');
      },
    });
    expect((await request(throws, {})).status).toBe(500);
    expect(throws.clients).toBe(0);
  });

  it.each([
    [{ allowedOrigins: 'https://a.example' }, TypeError],
    [{ allowedOrigins: ['https://a.example/path'] }, RangeError],
    [{ allowedOrigins: ['ftp://a.example'] }, RangeError],
    [{ authorize: 'yes' }, TypeError],
  ])('rejects %j', (options, Kind) => {
    expect(() => hystrixStream(m(), options as never)).toThrow(Kind);
    expect(() => hystrixStream(m(), options as never)).toThrow(/@dyno\/metrics: option `/);
  });
});
