import type { AddressInfo } from 'node:net';
import { ManualClock } from '@dyno/core/testing';
import { waitFor } from '@dyno-tools/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Priority, ShedEvent } from './events.js';
import { Shedder } from './shedder.js';
import { type Client, client } from './test-support/http.js';

/** A Fastify app with the shedder's hook, routes that hold until `release()`, and a client. */
async function app(shedder: Shedder) {
  const held: (() => void)[] = [];
  const ran: string[] = [];
  const server: FastifyInstance = Fastify();
  server.addHook('onRequest', shedder.fastify);
  // proves a 503 goes through the reply: Fastify's onSend hooks see it
  server.addHook('onSend', async (_, reply) => {
    reply.header('X-Seen', 'onSend');
  });
  server.get('/slow', async () => {
    ran.push('slow');
    await new Promise<void>((resolve) => held.push(resolve));
    return 'done';
  });
  server.get('/fast', async () => {
    ran.push('fast');
    return 'ok';
  });
  server.get('/healthz', async () => 'ok');
  server.get('/batch', async () => 'ok');
  server.get('/boom', async () => {
    ran.push('boom');
    throw new Error('boom');
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.server.address() as AddressInfo;
  const http: Client = client(port);
  return {
    ...http,
    held,
    ran,
    release: () => {
      for (const resolve of held.splice(0)) resolve();
    },
    close: async () => {
      for (const resolve of held.splice(0)) resolve();
      server.server.closeAllConnections();
      await server.close();
      shedder.close();
    },
  };
}

describe('Shedder.fastify, on a real Fastify server', () => {
  it('answers 503 with Retry-After before the route runs, with the body and headers of handle()', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false, retryAfter: 2 });
    const sheds: ShedEvent[] = [];
    shedder.onShed((event) => sheds.push(event));
    const server = await app(shedder);
    try {
      const slow = server.get('/slow');
      await waitFor(() => server.held.length === 1, 'the slot taken');
      expect(shedder.active).toBe(1);
      const shed = await server.get('/fast');
      expect(shed).toEqual({
        status: 503,
        retryAfter: '2',
        body: 'Service Unavailable\n',
        contentType: 'text/plain; charset=utf-8',
      });
      expect(server.ran).toEqual(['slow']);
      expect(sheds.map((s) => [s.priority, s.reason, s.active, s.limit])).toEqual([
        ['critical', 'limit', 1, 1],
      ]);
      server.release();
      expect(await slow).toMatchObject({ status: 200, body: 'done' });
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect((await server.get('/fast')).status).toBe(200);
      expect([shedder.admitted, shedder.shed]).toEqual([2, 1]);
    } finally {
      await server.close();
    }
  });

  it('sends the 503 through the reply, so onSend hooks see it', async () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    const server = await app(shedder);
    try {
      shedder.close();
      const answer = await new Promise<string | undefined>((resolve, reject) => {
        const request = server.open('/fast');
        request.on('response', (response) => {
          response.resume();
          resolve(response.headers['x-seen'] as string | undefined);
        });
        request.on('error', reject);
      });
      expect(answer).toBe('onSend');
    } finally {
      await server.close();
    }
  });

  it('gives the slot back after a normal, a throwing and an aborted request', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const server = await app(shedder);
    try {
      expect((await server.get('/fast')).status).toBe(200);
      await waitFor(() => shedder.active === 0, 'freed after a normal request');

      expect((await server.get('/boom')).status).toBe(500);
      await waitFor(() => shedder.active === 0, 'freed after a throwing route');

      const aborted = server.open('/slow');
      await waitFor(() => server.held.length === 1, 'the request held');
      expect(shedder.active).toBe(1);
      aborted.destroy();
      await waitFor(() => shedder.active === 0, 'freed after the client went away');

      expect((await server.get('/fast')).status).toBe(200);
      expect(server.ran).toEqual(['fast', 'boom', 'slow', 'fast']);
      expect(shedder.shed).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('never sheds health checks and sheds sheddable requests first', async () => {
    const shedder = new Shedder({
      concurrency: 2,
      reserve: 0.5,
      maxEventLoopDelay: false,
      priority: (request): Priority =>
        request.url === '/healthz' ? 'health' : request.url === '/batch' ? 'sheddable' : 'critical',
    });
    const server = await app(shedder);
    try {
      const slow = server.get('/slow');
      await waitFor(() => server.held.length === 1, 'one slot taken');
      // 2 × (1 - 0.5) = 1 slot for sheddable requests: taken
      expect((await server.get('/batch')).status).toBe(503);
      expect((await server.get('/fast')).status).toBe(200);
      shedder.close();
      expect((await server.get('/healthz')).status).toBe(200);
      expect((await server.get('/fast')).status).toBe(503);
      server.release();
      expect((await slow).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('hands a throwing priority to the error handler (done(error)), counting nothing', async () => {
    const shedder = new Shedder({
      maxEventLoopDelay: false,
      priority: () => {
        throw new Error('classifier');
      },
    });
    const server = await app(shedder);
    try {
      const answer = await server.get('/fast');
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toMatchObject({ message: 'classifier' });
      expect(server.ran).toEqual([]);
      expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([0, 0, 0]);
    } finally {
      await server.close();
    }
  });

  it('sheds on event-loop delay, read on the manual clock', async () => {
    const clock = new ManualClock();
    let delay = 0;
    const shedder = new Shedder({
      maxEventLoopDelay: 100,
      sampleInterval: 500,
      eventLoopDelay: () => delay,
      clock,
    });
    const server = await app(shedder);
    try {
      delay = 150;
      expect((await server.get('/fast')).status).toBe(200); // not read yet
      await clock.advance(500);
      expect(await server.get('/fast')).toMatchObject({ status: 503, retryAfter: '1' });
      expect((await server.get('/healthz')).status).toBe(200);
      expect(shedder.eventLoopDelay).toBe(150);
    } finally {
      await server.close();
    }
  });

  // each part of the argument check on its own: the others are fine
  const request = { raw: {} };
  const reply = { raw: {}, code: () => reply, header: () => reply, send: () => reply };
  const MISUSED =
    "@dyno/shed: `shedder.fastify` was called with the wrong arguments; use it as `app.addHook('onRequest', shedder.fastify)`";

  it.each([
    ['no request.raw', {}, reply],
    ['a request.raw that is not an object', { raw: 'GET /' }, reply],
    ['a request.raw of null', { raw: null }, reply],
    ['no request', undefined, reply],
    ['no reply.raw', request, {}],
    ['no reply', request, undefined],
  ])(
    'fails with the TypeError naming the right use through done when called with %s',
    (_, req, rep) => {
      const shedder = new Shedder({ maxEventLoopDelay: false });
      try {
        const hook = shedder.fastify as (...args: unknown[]) => void;
        const failed: unknown[] = [];
        hook(req, rep, (error: unknown) => failed.push(error));
        expect(failed).toEqual([expect.any(TypeError)]);
        expect((failed[0] as TypeError).message).toBe(MISUSED);
        expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([0, 0, 0]);
      } finally {
        shedder.close();
      }
    },
  );

  it('throws the TypeError naming the right use when called without done, the request and reply being fine', () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    try {
      const hook = shedder.fastify as (...args: unknown[]) => void;
      expect(() => hook(request, reply, undefined)).toThrow(TypeError);
      expect(() => hook(request, reply, undefined)).toThrow(new TypeError(MISUSED));
      expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([0, 0, 0]);
    } finally {
      shedder.close();
    }
  });

  it('throws a TypeError naming the right use when called as something else', async () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    try {
      const hook = shedder.fastify as (...args: unknown[]) => void;
      const failed: unknown[] = [];
      hook({}, {}, (error: unknown) => failed.push(error));
      expect(failed).toEqual([expect.any(TypeError)]);
      expect(() => hook(undefined, undefined, undefined)).toThrow(
        "@dyno/shed: `shedder.fastify` was called with the wrong arguments; use it as `app.addHook('onRequest', shedder.fastify)`",
      );
      // registered as a plugin, it is called with (instance, options, done)
      const server = Fastify();
      server.register(shedder.fastify as never);
      await expect(server.ready()).rejects.toThrow(/app\.addHook\('onRequest', shedder\.fastify\)/);
      await server.close();
    } finally {
      shedder.close();
    }
  });
});
