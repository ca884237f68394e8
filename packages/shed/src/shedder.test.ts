import type { ServerResponse } from 'node:http';
import { ManualClock, SteppingClock } from '@dyno/core/testing';
import { waitFor } from '@dyno-tools/testing';
import type { AdmitEvent, Priority, ShedEvent } from './events.js';
import { Shedder } from './shedder.js';
import { serve } from './test-support/http.js';

/** A handler that holds every response until `release()` (or answers at once for `/fast`). */
function holding() {
  const held: ServerResponse[] = [];
  return {
    held,
    listener: (request: { url?: string }, response: ServerResponse) => {
      if (request.url?.startsWith('/fast') || request.url?.startsWith('/health')) {
        response.end('ok');
        return;
      }
      held.push(response);
    },
    release: () => {
      for (const response of held.splice(0)) response.end('done');
    },
  };
}

const bySheddable = (request: { url?: string }): Priority =>
  request.url?.startsWith('/healthz')
    ? 'health'
    : request.url?.startsWith('/batch')
      ? 'sheddable'
      : 'critical';

/** A shedder on the real `monitorEventLoopDelay`, and a spy on that monitor's `disable`. */
function onRealMonitor(clock: ManualClock) {
  const perfHooks = require('node:perf_hooks') as typeof import('node:perf_hooks');
  const made: import('node:perf_hooks').IntervalHistogram[] = [];
  const original = perfHooks.monitorEventLoopDelay;
  const spy = jest.spyOn(perfHooks, 'monitorEventLoopDelay').mockImplementation((options) => {
    const histogram = original(options);
    made.push(histogram);
    return histogram;
  });
  const shedder = new Shedder({ clock });
  spy.mockRestore();
  expect(made).toHaveLength(1);
  const disable = jest.spyOn(made[0] as import('node:perf_hooks').IntervalHistogram, 'disable');
  return { shedder, disable };
}

describe('Shedder over real HTTP', () => {
  it('answers 503 with Retry-After when the limit is full, and admits again once a slot frees', async () => {
    const shedder = new Shedder({ concurrency: 2, maxEventLoopDelay: false, retryAfter: 3 });
    const sheds: ShedEvent[] = [];
    const admits: AdmitEvent[] = [];
    shedder.onShed((event) => sheds.push(event));
    shedder.onAdmit((event) => admits.push(event));
    const app = holding();
    const server = await serve(shedder.handle(app.listener));
    try {
      const first = server.get('/a');
      const second = server.get('/b');
      await waitFor(() => app.held.length === 2, 'two requests held');
      expect(shedder.active).toBe(2);

      const third = await server.get('/c');
      expect(third).toEqual({
        status: 503,
        retryAfter: '3',
        body: 'Service Unavailable\n',
        contentType: 'text/plain; charset=utf-8',
      });
      expect(sheds).toEqual([
        {
          name: shedder.name,
          priority: 'critical',
          reason: 'limit',
          active: 2,
          limit: 2,
          eventLoopDelay: 0,
        },
      ]);

      app.release();
      expect((await first).status).toBe(200);
      expect((await second).body).toBe('done');
      await waitFor(() => shedder.active === 0, 'slots freed');
      expect((await server.get('/fast')).status).toBe(200);
      expect([shedder.admitted, shedder.shed]).toEqual([3, 1]);
      expect(admits.map((a) => [a.priority, a.active, a.limit])).toEqual([
        ['critical', 1, 2],
        ['critical', 2, 2],
        ['critical', 1, 2],
      ]);
    } finally {
      app.release();
      await server.close();
      shedder.close();
    }
  });

  it('never sheds health checks, even when full or closed, and gives them no slot', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const app = holding();
    const server = await serve(shedder.handle(app.listener));
    try {
      const held = server.get('/slow');
      await waitFor(() => app.held.length === 1, 'the slot taken');
      expect((await server.get('/other')).status).toBe(503);
      expect((await server.get('/healthz')).status).toBe(200);
      expect((await server.get('/health?full=1', 'HEAD')).status).toBe(200);
      // a POST to a health path is not a health check
      expect((await server.get('/healthz', 'POST')).status).toBe(503);
      expect(shedder.active).toBe(1);
      shedder.close();
      expect((await server.get('/healthz')).status).toBe(200);
      app.release();
      await held;
    } finally {
      await server.close();
    }
  });

  it('sheds sheddable requests before critical ones (the reserve)', async () => {
    const shedder = new Shedder({
      concurrency: 5,
      reserve: 0.4,
      maxEventLoopDelay: false,
      priority: bySheddable,
    });
    const app = holding();
    const server = await serve(shedder.handle(app.listener));
    try {
      const calls = [server.get('/a'), server.get('/b'), server.get('/batch/1')];
      await waitFor(() => app.held.length === 3, 'three held');
      // 5 × (1 - 0.4) = 3 slots for sheddable requests: taken
      expect((await server.get('/batch/2')).status).toBe(503);
      calls.push(server.get('/c'), server.get('/d'));
      await waitFor(() => app.held.length === 5, 'five held');
      expect((await server.get('/e')).status).toBe(503);
      app.release();
      expect((await Promise.all(calls)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      app.release();
      await server.close();
      shedder.close();
    }
  });

  it('frees the slot of a request whose client goes away', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const app = holding();
    const server = await serve(shedder.handle(app.listener));
    try {
      const request = server.open('/slow');
      await waitFor(() => app.held.length === 1, 'the request held');
      request.destroy();
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect((await server.get('/fast')).status).toBe(200);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('frees the slot and lets the error through when the handler throws', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const boom = new Error('boom');
    const wrapped = shedder.handle(() => {
      throw boom;
    });
    const caught: unknown[] = [];
    const server = await serve((request, response) => {
      try {
        wrapped(request, response);
      } catch (error) {
        caught.push(error);
      }
    });
    try {
      expect((await server.get('/x')).status).toBe(500);
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect((await server.get('/y')).status).toBe(500);
      expect(caught).toEqual([boom, boom]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('hands back what a synchronous listener returned, not a promise', async () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    const token = { from: 'listener' };
    const wrapped = shedder.handle((_, response) => {
      response.end('ok');
      return token;
    });
    const returned: unknown[] = [];
    const server = await serve((request, response) => {
      returned.push(wrapped(request, response));
    });
    try {
      expect((await server.get('/')).status).toBe(200);
      expect(returned).toHaveLength(1);
      expect(returned[0]).toBe(token);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('answers 500 when priority throws or returns an unknown class', async () => {
    let answer: unknown = 'critical';
    const shedder = new Shedder({
      maxEventLoopDelay: false,
      priority: () => {
        if (answer instanceof Error) throw answer;
        return answer as Priority;
      },
    });
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      expect((await server.get('/')).status).toBe(200);
      answer = new Error('classifier');
      expect((await server.get('/')).status).toBe(500);
      answer = 'urgent';
      expect((await server.get('/')).status).toBe(500);
      expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([1, 0, 0]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('hands next a TypeError naming the three classes when priority returns another', async () => {
    const shedder = new Shedder({ maxEventLoopDelay: false, priority: () => 'urgent' as Priority });
    const errors: unknown[] = [];
    const server = await serve((request, response) =>
      shedder.middleware(request, response, (error) => {
        errors.push(error);
        response.statusCode = 500;
        response.end();
      }),
    );
    try {
      expect((await server.get('/')).status).toBe(500);
      expect(errors).toEqual([expect.any(TypeError)]);
      expect((errors[0] as TypeError).message).toBe(
        '@dyno/shed: `priority` must return "health", "critical" or "sheddable"; received "urgent"',
      );
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('works as an Express-style middleware: next() when admitted, next(error) on a throwing priority', async () => {
    let fail = false;
    const shedder = new Shedder({
      concurrency: 1,
      maxEventLoopDelay: false,
      priority: (request) => {
        if (fail) throw new Error('classifier');
        return bySheddable(request);
      },
    });
    const app = holding();
    const server = await serve((request, response) =>
      shedder.middleware(request, response, (error) => {
        if (error === undefined) return app.listener(request, response);
        response.statusCode = 418;
        response.end(String((error as Error).message));
      }),
    );
    try {
      const held = server.get('/slow');
      await waitFor(() => app.held.length === 1, 'the slot taken');
      expect(await server.get('/other')).toMatchObject({ status: 503, retryAfter: '1' });
      fail = true;
      expect(await server.get('/other')).toMatchObject({ status: 418, body: 'classifier' });
      fail = false;
      app.release();
      expect((await held).status).toBe(200);
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect((await server.get('/fast')).status).toBe(200);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('answers 503 (reason closed) after close; close is idempotent and disposes its pool', async () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    const sheds: ShedEvent[] = [];
    shedder.onShed((event) => sheds.push(event));
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      shedder.close();
      shedder.dispose();
      shedder[Symbol.dispose]();
      expect(shedder.closed).toBe(true);
      expect((await server.get('/')).status).toBe(503);
      expect(sheds.map((s) => s.reason)).toEqual(['closed']);
      await expect(shedder.pool.execute(() => 1)).rejects.toThrow('disposed');
    } finally {
      await server.close();
    }
  });

  it.each([
    ['dispose()', (shedder: Shedder) => shedder.dispose()],
    [
      'a `using` declaration ([Symbol.dispose])',
      (shedder: Shedder) => {
        using _scoped = shedder;
      },
    ],
  ])(
    '%s closes the shedder as close() does: monitor stopped, pool disposed, later requests 503 (closed) but health checks',
    async (_, dispose) => {
      const { shedder, disable } = onRealMonitor(new ManualClock());
      const sheds: ShedEvent[] = [];
      shedder.onShed((event) => sheds.push(event));
      const server = await serve(shedder.handle((_request, response) => response.end('ok')));
      try {
        dispose(shedder);
        expect(shedder.closed).toBe(true);
        expect(disable).toHaveBeenCalledTimes(1);
        await expect(shedder.pool.execute(() => 1)).rejects.toThrow('disposed');
        expect((await server.get('/')).status).toBe(503);
        expect((await server.get('/healthz')).status).toBe(200);
        expect(sheds.map((s) => s.reason)).toEqual(['closed']);
      } finally {
        await server.close();
        shedder.close();
      }
    },
  );

  it('adapts its limit: the pool is adaptive by default and the limit is readable', () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    expect(shedder.pool.adaptive?.algorithm).toBe('gradient');
    expect(shedder.limit).toBe(10);
    expect(shedder.pool.queue).toBe(0);
    expect(shedder.pool.name).toBe(shedder.name);
    shedder.close();
  });
});

describe('Shedder and the event loop', () => {
  it('sheds above maxEventLoopDelay, sheddable first, reading the delay once per interval', async () => {
    const clock = new ManualClock();
    let delay = 0;
    let reads = 0;
    const shedder = new Shedder({
      maxEventLoopDelay: 100,
      sampleInterval: 500,
      reserve: 0.2,
      priority: bySheddable,
      eventLoopDelay: () => {
        reads++;
        return delay;
      },
      clock,
    });
    const sheds: ShedEvent[] = [];
    shedder.onShed((event) => sheds.push(event));
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      const statuses = async () => [
        (await server.get('/batch')).status,
        (await server.get('/api')).status,
        (await server.get('/healthz')).status,
      ];
      delay = 90; // above 100 × (1 - 0.2) = 80: sheddable only
      expect(await statuses()).toEqual([200, 200, 200]); // not read yet: the interval runs
      expect(reads).toBe(0);
      await clock.advance(500);
      expect(await statuses()).toEqual([503, 200, 200]);
      expect(reads).toBe(1);
      expect(shedder.eventLoopDelay).toBe(90);
      delay = 150;
      await clock.advance(499);
      expect(await statuses()).toEqual([503, 200, 200]);
      await clock.advance(1);
      expect(await statuses()).toEqual([503, 503, 200]);
      expect(reads).toBe(2);
      expect(sheds.map((s) => [s.priority, s.reason, s.eventLoopDelay])).toEqual([
        ['sheddable', 'event-loop', 90],
        ['sheddable', 'event-loop', 90],
        ['sheddable', 'event-loop', 150],
        ['critical', 'event-loop', 150],
      ]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('sheds only above the threshold: a delay of exactly maxEventLoopDelay (× (1 − reserve) for sheddable requests) is admitted', async () => {
    const clock = new ManualClock();
    let delay = 0;
    const shedder = new Shedder({
      maxEventLoopDelay: 100,
      sampleInterval: 1,
      reserve: 0.5,
      priority: bySheddable,
      eventLoopDelay: () => delay,
      clock,
    });
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      // [sheddable, critical] once the delay reads `ms`
      const statuses = async (ms: number) => {
        delay = ms;
        await clock.advance(1);
        return [(await server.get('/batch')).status, (await server.get('/api')).status];
      };
      expect(await statuses(50)).toEqual([200, 200]);
      expect(await statuses(50.5)).toEqual([503, 200]);
      expect(await statuses(100)).toEqual([503, 200]);
      expect(await statuses(100.5)).toEqual([503, 503]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('never reads the delay for a health check: a throwing delay source fails the other requests only', async () => {
    const clock = new ManualClock();
    let reads = 0;
    const shedder = new Shedder({
      sampleInterval: 1,
      eventLoopDelay: () => {
        reads++;
        throw new Error('source');
      },
      clock,
    });
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      await clock.advance(1);
      expect((await server.get('/healthz')).status).toBe(200);
      expect(reads).toBe(0);
      expect((await server.get('/api')).status).toBe(500);
      expect(reads).toBe(1);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('answers 500 when the delay source throws', async () => {
    const clock = new ManualClock();
    const shedder = new Shedder({
      sampleInterval: 1,
      eventLoopDelay: () => {
        throw new Error('source');
      },
      clock,
    });
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      await clock.advance(1);
      expect((await server.get('/')).status).toBe(500);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('answers 500 when the delay source returns something other than ms ≥ 0', async () => {
    const clock = new ManualClock();
    let reading: unknown = Number.NaN;
    const shedder = new Shedder({
      sampleInterval: 1,
      maxEventLoopDelay: 100,
      eventLoopDelay: () => reading as number,
      clock,
    });
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    const errors: unknown[] = [];
    const next = (error?: unknown) => errors.push(error);
    try {
      for (const bad of [Number.NaN, -1, '999', undefined]) {
        reading = bad;
        await clock.advance(1);
        expect((await server.get('/')).status).toBe(500);
      }
      reading = undefined;
      await clock.advance(1);
      shedder.middleware({ method: 'GET', url: '/' } as never, {} as never, next);
      expect(errors).toEqual([
        new TypeError(
          '@dyno/shed: `eventLoopDelay` must return a number of ms ≥ 0; received undefined',
        ),
      ]);
      reading = -1;
      await clock.advance(1);
      shedder.middleware({ method: 'GET', url: '/' } as never, {} as never, next);
      expect(errors[1]).toBeInstanceOf(RangeError);
      expect([shedder.admitted, shedder.shed, shedder.eventLoopDelay]).toEqual([0, 0, 0]);
      reading = 150;
      await clock.advance(1);
      expect((await server.get('/')).status).toBe(503);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('reads the delay again one interval after the clock went back, not once it caught up', async () => {
    const base = new ManualClock(3_600_000);
    const clock = new SteppingClock(base);
    let reading = 150;
    const shedder = new Shedder({
      sampleInterval: 500,
      maxEventLoopDelay: 100,
      eventLoopDelay: () => reading,
      clock,
    });
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      await base.advance(500);
      expect((await server.get('/')).status).toBe(503);
      // the loop recovers, and the clock is set back an hour: a step back counts as no time
      // passed (core's steadyClock), so the reading is one interval old at most, never an hour
      reading = 0;
      clock.stepBack(3_600_000);
      await base.advance(500);
      expect((await server.get('/')).status).toBe(503);
      await base.advance(500);
      expect((await server.get('/')).status).toBe(200);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('watches the real event loop: a blocked loop sheds, and close stops the monitor', async () => {
    const perfHooks = require('node:perf_hooks') as typeof import('node:perf_hooks');
    const made: import('node:perf_hooks').IntervalHistogram[] = [];
    const original = perfHooks.monitorEventLoopDelay;
    const spy = jest.spyOn(perfHooks, 'monitorEventLoopDelay').mockImplementation((options) => {
      const histogram = original(options);
      made.push(histogram);
      return histogram;
    });
    const shedder = new Shedder({ maxEventLoopDelay: 20, sampleInterval: 30 });
    spy.mockRestore();
    expect(made).toHaveLength(1);
    const histogram = made[0] as import('node:perf_hooks').IntervalHistogram;
    const disable = jest.spyOn(histogram, 'disable');
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      // Node's monitor (on real time) records a delay from its second tick on: wait for one
      await waitFor(() => histogram.count > 0, "the monitor's first sample");
      const end = performance.now() + 250;
      while (performance.now() < end) {
        // block the event loop
      }
      const answer = await server.get('/');
      expect(answer.status).toBe(503);
      expect(shedder.eventLoopDelay).toBeGreaterThan(20);
    } finally {
      await server.close();
      shedder.close();
      shedder.close();
    }
    expect(disable).toHaveBeenCalledTimes(1);
  });

  it('reads the mean of the samples since the last reading, in ms, less its 10 ms sampling period; 0 before the first', async () => {
    // a stand-in for the histogram, whose samples a test cannot set without blocking the loop;
    // with no sample a real one reads count 0 and mean NaN
    const histogram = {
      count: 0,
      mean: Number.NaN,
      enable: jest.fn(),
      disable: jest.fn(),
      reset: jest.fn(),
    };
    const perfHooks = require('node:perf_hooks') as typeof import('node:perf_hooks');
    const spy = jest
      .spyOn(perfHooks, 'monitorEventLoopDelay')
      .mockReturnValue(histogram as unknown as import('node:perf_hooks').IntervalHistogram);
    const clock = new ManualClock();
    const shedder = new Shedder({ maxEventLoopDelay: 20, sampleInterval: 100, clock });
    spy.mockRestore();
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      // the status of a request once the histogram holds `count` samples in all, of mean `ns`
      const status = async (count: number, ns: number) => {
        Object.assign(histogram, { count, mean: ns });
        await clock.advance(100);
        return (await server.get('/')).status;
      };
      expect(await status(0, Number.NaN)).toBe(200);
      expect(shedder.eventLoopDelay).toBe(0);
      expect(await status(5, 35e6)).toBe(503);
      expect(shedder.eventLoopDelay).toBe(25);
      // no sample since: the loop has not turned, the last reading stands
      expect(await status(5, 35e6)).toBe(503);
      expect(shedder.eventLoopDelay).toBe(25);
      // 5 more samples, of 4 ms each: 10 of mean 19.5 ms in all
      expect(await status(10, 19.5e6)).toBe(200);
      expect(shedder.eventLoopDelay).toBe(0);
      expect(await status(12, 23.75e6)).toBe(503); // 2 more, of 45 ms each
      expect(shedder.eventLoopDelay).toBe(35);
      // a reset would forget the monitor's last tick, and with it the next block
      expect(histogram.reset).not.toHaveBeenCalled();
    } finally {
      await server.close();
      shedder.close();
    }
    expect(histogram.disable).toHaveBeenCalledTimes(1);
  });

  it('starts no monitor when maxEventLoopDelay is false', () => {
    const perfHooks = require('node:perf_hooks') as typeof import('node:perf_hooks');
    const spy = jest.spyOn(perfHooks, 'monitorEventLoopDelay');
    const shedder = new Shedder({ maxEventLoopDelay: false });
    expect(spy).not.toHaveBeenCalled();
    expect(shedder.eventLoopDelay).toBe(0);
    spy.mockRestore();
    shedder.close();
  });
});
