import { waitFor } from '@dyno-tools/testing';
import express, { type ErrorRequestHandler } from 'express';
import type { Priority } from './events.js';
import { Shedder } from './shedder.js';
import { serve } from './test-support/http.js';

/** An Express app with the shedder first, routes that hold until `release()`. */
function app(shedder: Shedder) {
  const held: (() => void)[] = [];
  const ran: string[] = [];
  const server = express();
  server.use(shedder.middleware);
  server.get('/slow', async (_, response) => {
    ran.push('slow');
    await new Promise<void>((resolve) => held.push(resolve));
    response.send('done');
  });
  server.get('/fast', (_, response) => {
    ran.push('fast');
    response.send('ok');
  });
  server.get('/healthz', (_, response) => {
    response.send('ok');
  });
  server.get('/boom', () => {
    ran.push('boom');
    throw new Error('boom');
  });
  const onError: ErrorRequestHandler = (error, _, response, _next) => {
    response.status(500).send(`handled: ${(error as Error).message}`);
  };
  server.use(onError);
  return {
    server,
    held,
    ran,
    release: () => {
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

describe('Shedder.middleware, in a real Express app', () => {
  it('answers 503 with Retry-After before the route runs, with the body and headers of handle()', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false, retryAfter: 5 });
    const a = app(shedder);
    const http = await serve(a.server);
    try {
      const slow = http.get('/slow');
      await waitFor(() => a.held.length === 1, 'the slot taken');
      expect(await http.get('/fast')).toEqual({
        status: 503,
        retryAfter: '5',
        body: 'Service Unavailable\n',
        contentType: 'text/plain; charset=utf-8',
      });
      expect(a.ran).toEqual(['slow']);
      a.release();
      expect(await slow).toMatchObject({ status: 200, body: 'done' });
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect((await http.get('/fast')).status).toBe(200);
      expect([shedder.admitted, shedder.shed]).toEqual([2, 1]);
    } finally {
      a.release();
      await http.close();
      shedder.close();
    }
  });

  it('gives the slot back after a normal, a throwing and an aborted request', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const a = app(shedder);
    const http = await serve(a.server);
    try {
      expect((await http.get('/fast')).status).toBe(200);
      await waitFor(() => shedder.active === 0, 'freed after a normal request');
      expect(await http.get('/boom')).toMatchObject({ status: 500, body: 'handled: boom' });
      await waitFor(() => shedder.active === 0, 'freed after a throwing route');
      const aborted = http.open('/slow');
      await waitFor(() => a.held.length === 1, 'the request held');
      expect(shedder.active).toBe(1);
      aborted.destroy();
      await waitFor(() => shedder.active === 0, 'freed after the client went away');
      expect((await http.get('/fast')).status).toBe(200);
      expect(a.ran).toEqual(['fast', 'boom', 'slow', 'fast']);
    } finally {
      a.release();
      await http.close();
      shedder.close();
    }
  });

  it('never sheds health checks, and hands a throwing priority to the error handler', async () => {
    let fail = false;
    const shedder = new Shedder({
      concurrency: 1,
      maxEventLoopDelay: false,
      priority: (request): Priority => {
        if (fail) throw new Error('classifier');
        return request.url === '/healthz' ? 'health' : 'critical';
      },
    });
    const a = app(shedder);
    const http = await serve(a.server);
    try {
      const slow = http.get('/slow');
      await waitFor(() => a.held.length === 1, 'the slot taken');
      expect((await http.get('/fast')).status).toBe(503);
      expect((await http.get('/healthz')).status).toBe(200);
      fail = true;
      expect(await http.get('/fast')).toMatchObject({ status: 500, body: 'handled: classifier' });
      fail = false;
      a.release();
      expect((await slow).status).toBe(200);
    } finally {
      a.release();
      await http.close();
      shedder.close();
    }
  });

  it('throws a TypeError naming the right use when called without next, or given no listener', () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    const middleware = shedder.middleware as (...args: unknown[]) => void;
    expect(() => middleware({}, {})).toThrow(
      '@dyno/shed: `shedder.middleware` was called with the wrong arguments; use it as `app.use(shedder.middleware)`',
    );
    expect(() => shedder.handle(42 as never)).toThrow(TypeError);
    expect(() => shedder.handle(42 as never)).toThrow(
      '@dyno/shed: `handle` takes a request listener (request, response) => void; received 42',
    );
    expect(shedder.admitted + shedder.shed).toBe(0);
    shedder.close();
  });
});
