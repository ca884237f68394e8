// Fault sweep: every part of @dyno/metrics against dependencies that hang (a client that never
// reads, an `authorize` that never settles), things that throw or reject with non-errors, things
// that settle twice, and user callbacks that throw. A misbehaving dependency must never crash the
// process (an exception out of a request handler or a timer, an unhandled rejection), stop the
// recording, keep a timer or a client after `close()`, or make the exported text invalid.
import { EventEmitter as NodeEventEmitter } from 'node:events';
import { get, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as connectTcp } from 'node:net';
import type { Disposable } from '@dyno/core';
import {
  deferred,
  flushPromises,
  listenerReports,
  ManualClock,
  NON_ERRORS,
} from '@dyno/core/testing';
import { hystrixStream } from './hystrix-stream.js';
import { Metrics } from './metrics.js';
import { registerOtelMetrics } from './otel/index.js';
import { prometheusHandler, prometheusText } from './prometheus.js';
import { MetricsRegistry } from './registry.js';
import {
  FakeBreaker,
  FakeCache,
  FakeFleetCircuit,
  FakeHedge,
  FakeHttp,
  FakePool,
  FakeRateLimiter,
  FakeShedder,
} from './test-support/fakes.js';
import { close, listen, open } from './test-support/http.js';
import { points, setup } from './test-support/otel.js';
import { openMetricsCheck, promtoolCheck } from './test-support/promtool.js';

/** Waits, a turn of the event loop at a time, until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await flushPromises();
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Serves `handler` on 127.0.0.1 and makes one GET. What the handler throws is collected (in
 * production it would be an uncaught exception: the process ends), and a response still
 * unanswered once every queued callback has run is counted as hung and cut, so a hang fails at
 * once rather than as a test timeout.
 */
async function scrape(
  handler: Handler,
): Promise<{ status: number | undefined; body: string; thrown: unknown[]; hung: number }> {
  const thrown: unknown[] = [];
  let hung = 0;
  const { server, url } = await listen(async (req, res) => {
    try {
      handler(req, res);
    } catch (error) {
      thrown.push(error);
    }
    await flushPromises();
    await flushPromises();
    if (!res.headersSent) {
      hung++;
      res.destroy();
    }
  });
  try {
    const controller = new AbortController();
    const answer = await fetch(url, { signal: controller.signal }).then(
      async (response) => {
        // a stream answers forever: its first chunk is enough
        const reader = response.body?.getReader();
        const first = await reader?.read();
        controller.abort();
        return { status: response.status, body: new TextDecoder().decode(first?.value) };
      },
      () => ({ status: undefined, body: '' }),
    );
    return { ...answer, thrown, hung };
  } finally {
    await close(server);
  }
}

/**
 * Metrics whose `snapshot()` throws `failure.value` while `failure` is set: what an exporter meets
 * when a snapshot fails (a clock can no longer make it fail: the clock is read steadily).
 */
class FailingSnapshots extends Metrics {
  failure: { value: unknown } | undefined = undefined;

  override snapshot(): ReturnType<Metrics['snapshot']> {
    if (this.failure !== undefined) throw this.failure.value;
    return super.snapshot();
  }
}

describe('faults (a): dependencies that hang', () => {
  it('a stream client that connects and never reads holds at most one beat beyond the buffer, and leaves cleanly', async () => {
    const clock = new ManualClock();
    // long names: a beat of about 300 KB, so the socket's buffers fill within a few dozen beats
    const names = Array.from({ length: 30 }, (_, i) => `${i}-${'x'.repeat(10_000)}`);
    const list = names.map((name) => new Metrics({ name, clock }));
    const stream = hystrixStream(list, { clock });
    const responses: ServerResponse[] = [];
    const { server, url } = await listen((req, res) => {
      responses.push(res);
      stream(req, res);
    });
    try {
      const { port } = new URL(url);
      const stalled = connectTcp(Number(port), '127.0.0.1');
      stalled.write('GET /hystrix.stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      stalled.pause(); // never reads
      await until(() => stream.clients === 1);
      const reader = await open(`${url}/hystrix.stream`);
      const [toStalled, toReader] = responses as [ServerResponse, ServerResponse];
      const beat = (await reader.until((b) => b.split('\n\n').length > names.length)).length;
      let stalledAt = -1;
      let mostBuffered = 0;
      for (let i = 0; i < 120; i++) {
        await clock.advance(500);
        mostBuffered = Math.max(mostBuffered, toStalled.writableLength);
        if (stalledAt === -1 && toStalled.writableNeedDrain) stalledAt = i;
      }
      expect(stalledAt).not.toBe(-1); // the buffers did fill: the test saw a stalled client
      expect(mostBuffered).toBeLessThanOrEqual(beat + toStalled.writableHighWaterMark);
      // the reading client still gets its beats
      await until(() => toReader.writableLength === 0);
      const before = reader.body().length;
      await clock.advance(500);
      await reader.until((b) => b.length >= before + beat);
      // the stalled client goes away mid-stream: nothing of it is kept
      stalled.destroy();
      await until(() => stream.clients === 1);
      reader.response.destroy();
      await until(() => stream.clients === 0);
      expect(clock.pending).toBe(0);
    } finally {
      stream.close();
      await close(server);
    }
  });

  it('an `authorize` that never settles holds nothing once its client leaves, and close() answers a request still waiting for it', async () => {
    const clock = new ManualClock();
    const verdicts = [deferred<boolean>(), deferred<boolean>()];
    let calls = 0;
    const stream = hystrixStream(new Metrics({ name: 'x', clock }), {
      clock,
      authorize: () => (verdicts[calls++] as { promise: Promise<boolean> }).promise,
    });
    const responses: ServerResponse[] = [];
    const { server, url } = await listen((req, res) => {
      responses.push(res);
      stream(req, res);
    });
    try {
      // a client that leaves while its verdict is pending
      const left = get(`${url}/hystrix.stream`).on('error', () => {});
      await until(() => responses.length === 1);
      left.destroy();
      await until(() => (responses[0] as ServerResponse).destroyed);
      verdicts[0]?.resolve(true);
      await flushPromises();
      expect(stream.clients).toBe(0);
      expect(clock.pending).toBe(0);
      // a client still waiting when the stream closes (a shutdown): it must not become a client
      // of the closed stream with a timer of its own when the verdict comes
      const waiting = new Promise<IncomingMessage>((resolve, reject) =>
        get(`${url}/hystrix.stream`, resolve).on('error', reject),
      );
      await until(() => responses.length === 2);
      stream.close();
      verdicts[1]?.resolve(true);
      await flushPromises();
      expect(stream.clients).toBe(0);
      expect(clock.pending).toBe(0);
      const answer = await waiting;
      expect(answer.statusCode).toBe(503);
      answer.resume();
    } finally {
      stream.close();
      await close(server);
    }
  });

  it('a client that left before the stream was called (an async middleware) holds no place and no timer', async () => {
    const clock = new ManualClock();
    const stream = hystrixStream(new Metrics({ name: 'x', clock }), { clock, maxClients: 1 });
    let seen = 0;
    let handed = 0;
    const { server, url } = await listen((req, res) => {
      if (req.url !== '/late') return stream(req, res);
      seen++;
      // a session lookup during which the client goes away: its response has closed already
      res.once('close', () =>
        setImmediate(() => {
          stream(req, res);
          handed++;
        }),
      );
    });
    try {
      const left = get(`${url}/late`).on('error', () => {});
      await until(() => seen === 1);
      left.destroy();
      await until(() => handed === 1);
      expect(stream.clients).toBe(0);
      expect(clock.pending).toBe(0);
      // its place is free for the next client
      const reader = await open(`${url}/hystrix.stream`);
      expect(reader.response.statusCode).toBe(200);
      reader.response.destroy();
      await until(() => stream.clients === 0);
      expect(clock.pending).toBe(0);
    } finally {
      stream.close();
      await close(server);
    }
  });
});

describe('faults (b): throws and rejections with non-errors', () => {
  it.each(NON_ERRORS)(
    'an `authorize` that throws or rejects with %s answers 500 on both exporters',
    async (_, value) => {
      const m = new Metrics({ name: 'x', clock: new ManualClock() });
      for (const authorize of [
        () => {
          throw value;
        },
        () => Promise.reject(value),
      ]) {
        const handlers: Handler[] = [
          prometheusHandler(m, { authorize }),
          hystrixStream(m, { clock: new ManualClock(), authorize }),
        ];
        for (const handler of handlers) {
          const answer = await scrape(handler);
          expect(answer).toEqual({
            status: 500,
            body: 'Authorization failed\n',
            thrown: [],
            hung: 0,
          });
        }
      }
    },
  );

  it.each(NON_ERRORS)(
    'an `authorize` returning a thenable whose then() throws %s answers 500, never throws out of the handler',
    async (_, value) => {
      const m = new Metrics({ name: 'x', clock: new ManualClock() });
      const authorize = (() => ({
        then() {
          throw value;
        },
      })) as never;
      const stream = hystrixStream(m, { clock: new ManualClock(), authorize });
      for (const handler of [prometheusHandler(m, { authorize }), stream]) {
        expect(await scrape(handler)).toMatchObject({ status: 500, thrown: [], hung: 0 });
      }
      expect(stream.clients).toBe(0);
    },
  );

  it.each(NON_ERRORS)(
    'a scrape whose snapshot throws %s answers 500 and reports it, with or without an async authorize',
    async (_, value) => {
      const m = new FailingSnapshots({ name: 'x', clock: new ManualClock() });
      m.failure = { value };
      for (const handler of [
        prometheusHandler(m),
        prometheusHandler(m, { authorize: async () => true }),
      ]) {
        let answer: Awaited<ReturnType<typeof scrape>> | undefined;
        const seen = await listenerReports(async () => {
          answer = await scrape(handler);
        });
        expect(answer).toMatchObject({ status: 500, thrown: [], hung: 0 });
        expect(answer?.body).not.toContain('dyno_');
        expect(seen).toEqual([{ error: value, source: '@dyno/metrics prometheusHandler' }]);
      }
      m.failure = undefined;
      expect((await scrape(prometheusHandler(m))).status).toBe(200);
    },
  );

  it.each(NON_ERRORS)(
    'a stream whose snapshot throws %s answers 500 on connect, and skips a beat (reported) rather than crash or stop',
    async (_, value) => {
      const clock = new ManualClock();
      const m = new FailingSnapshots({ name: 'x', clock });
      const stream = hystrixStream(m, { clock });
      m.failure = { value };
      let refused: Awaited<ReturnType<typeof scrape>> | undefined;
      const atConnect = await listenerReports(async () => {
        refused = await scrape(stream);
      });
      expect(refused).toMatchObject({ status: 500, thrown: [], hung: 0 });
      expect(atConnect).toEqual([{ error: value, source: '@dyno/metrics hystrixStream' }]);
      expect(stream.clients).toBe(0);
      expect(clock.pending).toBe(0);
      m.failure = undefined;
      const { server, url } = await listen((req, res) => stream(req, res));
      try {
        const client = await open(`${url}/hystrix.stream`);
        await client.until((b) => b.includes('"name":"x"'));
        m.failure = { value };
        const atBeat = await listenerReports(() => clock.advance(500));
        expect(atBeat).toEqual([{ error: value, source: '@dyno/metrics hystrixStream' }]);
        expect(clock.pending).toBe(1); // the beat is skipped, the stream goes on
        m.failure = undefined;
        m.record('success', 1, 0);
        await clock.advance(500);
        await client.until((b) => b.includes('"rollingCountSuccess":1'));
      } finally {
        stream.close();
        await close(server);
      }
    },
  );

  it('a `currentTime` that throws does not crash the stream either', async () => {
    const clock = new ManualClock();
    let broken = false;
    const stream = hystrixStream(new Metrics({ name: 'x', clock }), {
      clock,
      currentTime: () => {
        if (broken) throw undefined;
        return 7;
      },
    });
    const { server, url } = await listen((req, res) => stream(req, res));
    try {
      const client = await open(`${url}/hystrix.stream`);
      await client.until((b) => b.includes('"currentTime":7'));
      broken = true;
      const seen = await listenerReports(() => clock.advance(500));
      expect(seen).toEqual([{ error: undefined, source: '@dyno/metrics hystrixStream' }]);
      broken = false;
      const before = client.body().length;
      await clock.advance(500);
      await client.until((b) => b.length > before);
    } finally {
      stream.close();
      await close(server);
    }
  });

  it.each(NON_ERRORS)(
    'a source whose event subscription throws %s: observe() rethrows it and leaves no listener, gauge or count behind',
    (_, value) => {
      const m = new Metrics({ name: 'x', clock: new ManualClock() });
      // a pool whose second subscription fails, after the first was made
      const pool = new FakePool('db');
      const brokenPool = Object.assign(Object.create(pool) as FakePool, {
        onReject: () => {
          throw value;
        },
      });
      let caught: { error: unknown } | undefined;
      try {
        m.observe(brokenPool);
      } catch (error) {
        caught = { error };
      }
      expect(caught).toEqual({ error: value });
      expect(pool.start.size).toBe(0);
      expect(m.snapshot().pool).toBeNull();
      // a cache whose fifth subscription fails
      const cache = new FakeCache('c');
      const brokenCache = Object.assign(Object.create(cache) as FakeCache, {
        onLoad: () => {
          throw value;
        },
      });
      expect(() => m.observe(brokenCache)).toThrow();
      expect([cache.hit.size, cache.miss.size, cache.stale.size, cache.refresh.size]).toEqual([
        0, 0, 0, 0,
      ]);
      cache.busy();
      expect(m.snapshot().cache).toBeNull();
      // a hedge whose second subscription fails
      const hedge = new FakeHedge('h');
      const brokenHedge = Object.assign(Object.create(hedge) as FakeHedge, {
        onWin: () => {
          throw value;
        },
      });
      expect(() => m.observe(brokenHedge)).toThrow();
      expect(hedge.hedge.size).toBe(0);
      expect(m.snapshot().hedge).toBeNull();
      // the Metrics still observes a good source, and disposes cleanly
      const good = new FakePool('good');
      m.observe(good);
      good.run();
      expect(m.snapshot().pool?.totalExecuted).toBe(1);
      m.dispose();
      expect(good.start.size).toBe(0);
    },
  );

  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['a plain object', { name: 'x' }],
  ])('registry.get(%s) throws a TypeError and adds nothing, whatever the bound does', (_, name) => {
    for (const whenFull of ['throw', 'evict-idle', 'overflow'] as const) {
      const registry = new MetricsRegistry({ maxSize: 2, whenFull });
      registry.get('a');
      expect(() => registry.get(name as never)).toThrow(TypeError);
      expect(() => registry.get(name as never)).toThrow(/@dyno\/metrics: a Metrics name/);
      expect(registry.size).toBe(1);
      expect(registry.dropped).toBe(0);
      registry.get('b');
      expect(() => registry.get(name as never)).toThrow(TypeError);
      expect(registry.names()).toEqual(['a', 'b']);
      expect([...registry].map((m) => m.name)).toEqual(['a', 'b']);
      expect(registry.dropped).toBe(0);
      expect(() => registry.get('')).toThrow(RangeError);
      expect(registry.dropped).toBe(0);
    }
  });
});

describe('faults (c): things that settle twice', () => {
  const twice: [string, () => unknown][] = [
    [
      'resolves twice',
      () => ({
        then(ok: (v: boolean) => void) {
          ok(true);
          ok(true);
        },
      }),
    ],
    [
      'resolves then rejects',
      () => ({
        then(ok: (v: boolean) => void, no: (e: unknown) => void) {
          ok(true);
          no('late');
        },
      }),
    ],
    [
      'resolves then throws',
      () => ({
        then(ok: (v: boolean) => void) {
          ok(true);
          throw 'late';
        },
      }),
    ],
  ];

  it.each(twice)(
    'an `authorize` whose verdict %s serves the request once',
    async (_, authorize) => {
      const clock = new ManualClock();
      const m = new Metrics({ name: 'x', clock });
      const scraped = await scrape(prometheusHandler(m, { authorize: authorize as never }));
      expect(scraped).toMatchObject({ status: 200, thrown: [], hung: 0 });
      expect(scraped.body).toContain('dyno_calls_total{name="x",outcome="success"} 0\n');
      const stream = hystrixStream(m, { clock, authorize: authorize as never });
      const streamed = await scrape(stream);
      expect(streamed).toMatchObject({ status: 200, thrown: [], hung: 0 });
      expect(streamed.body.match(/"type":"HystrixCommand"/g)).toHaveLength(1);
      stream.close();
    },
  );

  it('a source that calls a listener after its subscription was disposed counts nothing and gets no DisposedError', () => {
    // a source built on node:events, whose emit calls a listener removed during that emit
    const events = new NodeEventEmitter();
    const retry = {
      name: 'r',
      onRetry: (listener: (e: { name: string; attempt: number }) => void): Disposable => {
        events.on('retry', listener);
        const dispose = (): void => void events.off('retry', listener);
        return { dispose, [Symbol.dispose]: dispose };
      },
    };
    const m = new Metrics({ name: 'x', clock: new ManualClock() });
    let observation: Disposable | undefined;
    events.on('retry', () => observation?.dispose());
    observation = m.observe(retry);
    events.emit('retry', { name: 'r', attempt: 1 });
    expect(m.snapshot().totalRetries).toBe(0);
    // the same when the Metrics itself is disposed by an earlier listener (a shutdown)
    const n = new Metrics({ name: 'y', clock: new ManualClock() });
    events.removeAllListeners();
    events.on('retry', () => n.dispose());
    n.observe(retry);
    expect(() => events.emit('retry', { name: 'r', attempt: 1 })).not.toThrow();
  });

  it('disposing an observation twice does not undo a newer observation of the same source', () => {
    const m = new Metrics({ name: 'x', clock: new ManualClock() });
    const pool = new FakePool('db');
    const first = m.observe(pool);
    first.dispose();
    const second = m.observe(pool);
    first.dispose();
    pool.run();
    expect(m.snapshot().pool?.totalExecuted).toBe(1);
    second.dispose();
    second.dispose();
    expect(m.snapshot().pool).toBeNull();
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
  });

  it("close() twice, then the responses' close after their finish: no client, no timer, and the stream still serves", async () => {
    const clock = new ManualClock();
    const stream = hystrixStream(new Metrics({ name: 'x', clock }), { clock });
    const { server, url } = await listen((req, res) => stream(req, res));
    try {
      const a = await open(`${url}/hystrix.stream`);
      const b = await open(`${url}/hystrix.stream?delay=1000`);
      expect(clock.pending).toBe(2);
      const ended = Promise.all(
        [a, b].map((c) => new Promise((resolve) => c.response.on('end', resolve))),
      );
      stream.close();
      stream.close();
      await ended;
      await flushPromises();
      expect(stream.clients).toBe(0);
      expect(clock.pending).toBe(0);
      const c = await open(`${url}/hystrix.stream`);
      await c.until((body) => body.includes('"name":"x"'));
      expect(stream.clients).toBe(1);
      expect(clock.pending).toBe(1);
      c.response.destroy();
      await until(() => stream.clients === 0);
      expect(clock.pending).toBe(0);
    } finally {
      stream.close();
      await close(server);
    }
  });
});

describe('faults (d): user callbacks that throw', () => {
  it('onOutcome listeners that throw non-errors never stop recording nor the other listeners; each is reported by name', async () => {
    const m = new Metrics({ name: 'x', clock: new ManualClock() });
    const heard: string[] = [];
    for (const [, value] of NON_ERRORS) {
      m.onOutcome(() => {
        throw value;
      });
    }
    m.onOutcome((e) => heard.push(e.outcome));
    const seen = await listenerReports(() => {
      m.record('success', 5);
      m.end('failure', m.begin());
    });
    expect(m.snapshot().totals).toMatchObject({ success: 1, failure: 1 });
    expect(m.inFlight).toBe(0);
    expect(heard).toEqual(['success', 'failure']);
    expect(seen).toHaveLength(2 * NON_ERRORS.length);
    expect(seen.map((e) => e.error)).toEqual([...NON_ERRORS, ...NON_ERRORS].map(([, v]) => v));
    expect(new Set(seen.map((e) => e.source))).toEqual(new Set(['@dyno/metrics onOutcome']));
  });

  it('onAdd and onEvict listeners that throw never break get(), the eviction or the bound', async () => {
    const clock = new ManualClock();
    const registry = new MetricsRegistry({
      maxSize: 2,
      whenFull: 'evict-idle',
      metrics: { clock },
    });
    registry.onAdd(() => {
      throw 'add';
    });
    registry.onEvict(() => {
      throw undefined;
    });
    const seen = await listenerReports(async () => {
      registry.get('a');
      await clock.advance(1);
      registry.get('b').record('success');
      expect(registry.get('c').name).toBe('c');
    });
    expect(registry.names()).toEqual(['b', 'c']);
    expect(registry.dropped).toBe(1);
    expect(seen).toEqual([
      { error: 'add', source: '@dyno/metrics onAdd' },
      { error: 'add', source: '@dyno/metrics onAdd' },
      { error: undefined, source: '@dyno/metrics onEvict' },
      { error: 'add', source: '@dyno/metrics onAdd' },
    ]);
    const overflow = new MetricsRegistry({ maxSize: 1, whenFull: 'overflow', metrics: { clock } });
    overflow.onAdd(() => {
      throw { reason: 'x' };
    });
    await listenerReports(() => {
      overflow.get('a');
      overflow.get('b').record('success');
      overflow.get('c').record('success');
    });
    expect([...overflow].map((m) => [m.name, m.snapshot().totals.success])).toEqual([
      ['a', 0],
      ['dyno.overflow', 2],
    ]);
  });

  it('an OpenTelemetry counter that throws never stops recording; its error is reported by name', async () => {
    const { meter, collect } = await setup();
    const m = new Metrics({ name: 'fine', clock: new ManualClock() });
    const hostile = Object.create(meter) as typeof meter;
    hostile.createCounter = (() => ({
      add: () => {
        throw 'exporter down';
      },
    })) as never;
    const subscription = registerOtelMetrics(hostile, m);
    const seen = await listenerReports(() => {
      m.record('success', 3);
      m.record('failure', 4);
    });
    expect(m.snapshot().totals).toMatchObject({ success: 1, failure: 1 });
    expect(seen).toEqual([
      { error: 'exporter down', source: '@dyno/metrics onOutcome' },
      { error: 'exporter down', source: '@dyno/metrics onOutcome' },
    ]);
    const rm = await collect();
    expect(points(rm, 'dyno.call.active').map((p) => p.attributes['dyno.name'])).toEqual(['fine']);
    subscription.dispose();
    subscription.dispose();
    // disposed: the bridge no longer listens
    const after = await listenerReports(() => m.record('success', 1));
    expect(after).toEqual([]);
  });
});

describe('faults: exported text stays valid whatever the names', () => {
  const HOSTILE = [
    'quote " backslash \\ newline \n return \r tab \t end\\',
    'ünïcødé 名前 🚀',
    'lone \ud800 surrogate',
    '{a="b"} 1\n# HELP x y',
    'line\u2028separator\u2029',
    '\\',
  ];

  function hostileSources(): Metrics[] {
    return HOSTILE.map((name) => {
      const m = new Metrics({ name, group: name, clock: new ManualClock() });
      m.record('success', 12);
      const breaker = new FakeBreaker(name);
      m.observe(breaker);
      breaker.moveTo(name); // a state Dyno does not know, written as a series of its own
      m.observe(new FakePool(name));
      const cache = new FakeCache(name);
      m.observe(cache);
      cache.busy();
      const http = new FakeHttp(name);
      m.observe(http);
      http.answer(200, 503);
      const hedge = new FakeHedge(name);
      m.observe(hedge);
      hedge.run(1, 1);
      const limiter = new FakeRateLimiter(name);
      limiter.redisState = name;
      m.observe(limiter);
      limiter.decide(true);
      m.observe(new FakeFleetCircuit(name));
      const shedder = new FakeShedder(name);
      m.observe(shedder);
      shedder.let('critical');
      return m;
    });
  }

  it('passes `promtool check metrics` and the OpenMetrics parser, every labelled family included', () => {
    const sources = hostileSources();
    const labels = { service: HOSTILE[0] as string };
    const text = prometheusText(sources, { labels, rolling: true });
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    expect(
      openMetricsCheck(prometheusText(sources, { labels, rolling: true, format: 'openmetrics' })),
    ).toEqual({ status: 0, output: '' });
  });

  it('the Hystrix stream keeps one event per line, and every name survives the round trip', () => {
    const clock = new ManualClock();
    const sources = hostileSources();
    const chunks: string[] = [];
    const response = Object.assign(new NodeEventEmitter(), {
      writableNeedDrain: false,
      writeHead: () => response,
      write: (chunk: string) => chunks.push(chunk) > 0,
      end: () => response,
    });
    const stream = hystrixStream(sources, { clock });
    stream({ headers: {}, url: '/' } as IncomingMessage, response as unknown as ServerResponse);
    const events = (chunks[0] as string).split('\n\n').filter((e) => e !== '');
    expect(events.every((e) => /^data: [^\n\r]*$/.test(e))).toBe(true);
    const parsed = events.map((e) => JSON.parse(e.slice(6)) as { type: string; name: string });
    expect(parsed.filter((e) => e.type === 'HystrixCommand').map((e) => e.name)).toEqual(HOSTILE);
    expect(parsed.filter((e) => e.type === 'HystrixThreadPool').map((e) => e.name)).toEqual(
      HOSTILE,
    );
    stream.close();
  });
});

describe('faults (e): options and listeners the caller still holds', () => {
  it('keeps its own copy of latencyBoundaries: a later change of the array changes nothing (regression)', () => {
    // the array was kept as given: an edit after construction made every snapshot throw
    const boundaries = [1, 2, 3];
    const metrics = new Metrics({ latencyBoundaries: boundaries, clock: new ManualClock() });
    const defaults = [1, 2, 3];
    const registry = new MetricsRegistry({ metrics: { latencyBoundaries: defaults } });
    boundaries.push(0);
    defaults.reverse();
    metrics.record('success', 2);
    expect(metrics.snapshot().latency.buckets?.le).toEqual([1, 2, 3]);
    expect(registry.get('later').snapshot().latency.buckets?.le).toEqual([1, 2, 3]);
    // nor can a reader of a snapshot change what the next one says
    expect(Object.isFrozen(metrics.snapshot().latency.buckets?.le)).toBe(true);
  });

  it('an onOutcome listener reading a snapshot sees the outcome with its latency (regression)', () => {
    // the event came after the count but before the latency: a snapshot taken by a listener
    // showed one more request than latencies
    const clock = new ManualClock();
    const metrics = new Metrics({ clock });
    const seen: [number, number | undefined][] = [];
    metrics.onOutcome(() => {
      const { counts, latency } = metrics.snapshot();
      seen.push([counts.success, latency.count]);
    });
    metrics.record('success', 5);
    metrics.end('success', metrics.begin(), 7);
    expect(seen).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});
