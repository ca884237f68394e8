import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { FailingClock, flushPromises, listenerReports, ManualClock } from '@dyno/core/testing';
import { waitFor } from '@dyno-tools/testing';
import express, { type ErrorRequestHandler } from 'express';
import Fastify from 'fastify';
import type { Priority } from './events.js';
import { Shedder } from './shedder.js';
import { client, serve } from './test-support/http.js';

// The house rule: a misbehaving handler (hanging, throwing or rejecting with anything, settling
// twice) or a throwing user callback must never hold a slot for good, leak the in-flight count,
// crash the process or leave an unhandled rejection behind.

/** What handlers and user callbacks throw besides errors. */
const NON_ERRORS: readonly unknown[] = ['boom', undefined, { code: 'E_PLAIN' }];
/** Values that `next(value)` / `done(value)` would read as "no error" or as a routing command. */
const TRICKY_FOR_NEXT: readonly unknown[] = [undefined, null, 0, '', false, 'route', 'router'];

/** Collects what user listeners throw (as `@dyno/core` reports it) for the test's duration. */
function listenerErrors() {
  const reported: ListenerErrorEvent[] = [];
  const subscription = onListenerError((event) => reported.push(event));
  return { reported, dispose: () => subscription.dispose() };
}

/** A server-side stand-in for Node's `captureRejections`: collects what a listener returned. */
function capturing(
  wrapped: (request: IncomingMessage, response: ServerResponse) => unknown,
  caught: unknown[],
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    let returned: unknown;
    try {
      returned = wrapped(request, response);
    } catch (error) {
      caught.push({ threw: error });
      return;
    }
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') {
      (returned as PromiseLike<unknown>).then(undefined, (error: unknown) =>
        caught.push({ rejected: error }),
      );
    }
  };
}

type Listeners = { finish: number; close: number };

/** How many `finish` and `close` listeners `response` has. */
const listeners = (response: ServerResponse): Listeners => ({
  finish: response.listenerCount('finish'),
  close: response.listenerCount('close'),
});

describe('handle: handlers that hang', () => {
  it('a handler that never answers (sync or a promise that never settles) holds its slot only until its client goes away; others are shed at once, health checks pass', async () => {
    const shedder = new Shedder({ concurrency: 2, maxEventLoopDelay: false });
    const seen: string[] = [];
    const server = await serve(
      shedder.handle((request, response) => {
        seen.push(request.url ?? '');
        if (request.url === '/hang') return;
        if (request.url === '/never') return new Promise<never>(() => undefined) as never;
        response.end('ok');
      }),
    );
    try {
      const hung = server.open('/hang');
      const never = server.open('/never');
      await waitFor(() => seen.length === 2, 'both requests in their handlers');
      expect(shedder.active).toBe(2);
      // answered at once, not queued behind the hung handlers
      expect(await server.get('/other')).toMatchObject({ status: 503, retryAfter: '1' });
      expect((await server.get('/healthz')).status).toBe(200);
      hung.destroy();
      never.destroy();
      await waitFor(() => shedder.active === 0, 'both slots back');
      expect((await server.get('/other')).status).toBe(200);
      expect([shedder.admitted, shedder.shed]).toEqual([4, 1]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('the slots of hung handlers come back when the server closes their connections', async () => {
    const shedder = new Shedder({ concurrency: 3, maxEventLoopDelay: false });
    const server = await serve(shedder.handle(() => undefined));
    const requests = [server.open('/a'), server.open('/b'), server.open('/c')];
    await waitFor(() => shedder.active === 3, 'three slots taken');
    await server.close();
    await waitFor(() => shedder.active === 0, 'every slot back');
    expect(requests.every((request) => request.destroyed)).toBe(true);
    shedder.close();
  });
});

describe('handle: handlers that throw or reject with non-errors', () => {
  it('a synchronous throw of a string, undefined or a plain object: 500, slot freed, the very value rethrown', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    let thrown: unknown;
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle(() => {
          throw thrown;
        }),
        caught,
      ),
    );
    try {
      for (const value of NON_ERRORS) {
        thrown = value;
        expect(await server.get('/x')).toMatchObject({
          status: 500,
          body: 'Internal Server Error\n',
        });
        await waitFor(() => shedder.active === 0, 'the slot freed');
      }
      expect(caught).toStrictEqual(NON_ERRORS.map((threw) => ({ threw })));
      expect([shedder.admitted, shedder.shed]).toEqual([3, 0]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('a listener that set headers before throwing: the 500 carries none of them (no stale Content-Length)', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle((_, response) => {
          response.setHeader('Content-Type', 'application/json');
          response.setHeader('Content-Length', '2');
          response.setHeader('X-Private', 'secret');
          throw 'half-way';
        }),
        caught,
      ),
    );
    try {
      const answer = await new Promise<{ status: number; headers: object; body: string }>(
        (resolve, reject) => {
          const request = server.open('/x');
          request.on('response', (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              body += chunk;
            });
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
            );
          });
          request.on('error', reject);
        },
      );
      expect(answer.status).toBe(500);
      expect(answer.body).toBe('Internal Server Error\n');
      expect(answer.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8' });
      expect(answer.headers).not.toHaveProperty('x-private');
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect(caught).toStrictEqual([{ threw: 'half-way' }]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('a listener that fails after sending its headers (a throw or a rejection): the connection is cut, so the client never takes the partial body for a whole one', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle((request, response) => {
          response.write('partial');
          if (request.url === '/throw') throw 'late';
          return Promise.reject({ late: true }) as never;
        }),
        caught,
      ),
    );
    try {
      for (const [i, path] of ['/throw', '/reject'].entries()) {
        const answer = server.received(path);
        await waitFor(() => shedder.active === 0 && caught.length === i + 1, 'failed and freed');
        expect(await answer).toMatchObject({ complete: false });
      }
      expect(caught).toStrictEqual([{ threw: 'late' }, { rejected: { late: true } }]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('an async listener rejecting with a string, undefined or a plain object: 500, slot freed, the rejection handed to the server unchanged', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    let rejected: unknown;
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle(async () => {
          await Promise.resolve();
          throw rejected;
        }),
        caught,
      ),
    );
    try {
      for (const [i, value] of NON_ERRORS.entries()) {
        rejected = value;
        const answer = server.get('/x');
        await waitFor(() => caught.length === i + 1, 'the listener returned');
        expect(caught[i]).toStrictEqual({ rejected: value });
        expect(await answer).toMatchObject({ status: 500, body: 'Internal Server Error\n' });
        await waitFor(() => shedder.active === 0, 'the slot freed');
      }
      expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([3, 0, 0]);
    } finally {
      await server.close();
      shedder.close();
    }
  });
  it('an async listener that rejects after its client went away: nothing breaks, the rejection still reaches the server, one slot freed', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const caught: unknown[] = [];
    const gates: (() => void)[] = [];
    const server = await serve(
      capturing(
        shedder.handle(async (request, response) => {
          if (request.url === '/ok') {
            response.end('ok');
            return;
          }
          await new Promise<void>((resolve) => gates.push(resolve));
          throw 'late';
        }),
        caught,
      ),
    );
    try {
      const gone = server.open('/slow');
      await waitFor(() => gates.length === 1, 'the listener waiting');
      gone.destroy();
      await waitFor(() => shedder.active === 0, 'the slot freed by the close');
      gates[0]?.();
      await waitFor(() => caught.length === 1, 'the rejection handed on');
      expect(caught).toStrictEqual([{ rejected: 'late' }]);
      expect((await server.get('/ok')).body).toBe('ok');
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect([shedder.admitted, shedder.active]).toEqual([2, 0]);
    } finally {
      await server.close();
      shedder.close();
    }
  });
});

describe('handle: handlers that settle twice', () => {
  it('ends the response and then throws: the client keeps its answer, the slot is freed exactly once', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const caught: unknown[] = [];
    const held: (() => void)[] = [];
    const server = await serve(
      capturing(
        shedder.handle((request, response) => {
          if (request.url === '/hold') {
            held.push(() => response.end('held'));
            return;
          }
          response.end('sent');
          throw { after: 'end' };
        }),
        caught,
      ),
    );
    try {
      expect(await server.get('/x')).toMatchObject({ status: 200, body: 'sent' });
      expect(await server.get('/x')).toMatchObject({ status: 200, body: 'sent' });
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect(caught).toStrictEqual([{ threw: { after: 'end' } }, { threw: { after: 'end' } }]);
      // freed once, not twice: one request fills the limit of 1 again
      const hold = server.get('/hold');
      await waitFor(() => held.length === 1, 'the slot taken');
      expect(shedder.active).toBe(1);
      expect((await server.get('/x')).status).toBe(503);
      held[0]?.();
      expect((await hold).body).toBe('held');
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('a response closed right after it finished (socket destroyed) frees its slot once', async () => {
    const shedder = new Shedder({ concurrency: 2, maxEventLoopDelay: false });
    const held: (() => void)[] = [];
    const server = await serve(
      shedder.handle((request, response) => {
        if (request.url === '/hold') {
          held.push(() => response.end('held'));
          return;
        }
        response.end('bye', () => response.destroy());
      }),
    );
    try {
      for (let i = 0; i < 3; i++) expect((await server.get('/x')).body).toBe('bye');
      await waitFor(() => shedder.active === 0, 'the slots freed');
      const holds = [server.get('/hold'), server.get('/hold')];
      await waitFor(() => held.length === 2, 'both slots taken');
      expect(shedder.active).toBe(2);
      expect((await server.get('/x')).status).toBe(503);
      for (const end of held) end();
      await Promise.all(holds);
      await waitFor(() => shedder.active === 0, 'the slots freed again');
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('a returned thenable that calls back twice is taken once: the first rejection wins, a late one after a resolve is ignored', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle((request, response) => {
          if (request.url === '/twice-rejected') {
            return {
              then(_: unknown, reject: (reason: unknown) => void) {
                reject('first');
                reject('second');
              },
            } as never;
          }
          response.end('ok');
          return {
            then(resolve: (value: unknown) => void, reject: (reason: unknown) => void) {
              resolve(undefined);
              reject('late');
            },
          } as never;
        }),
        caught,
      ),
    );
    try {
      const twice = server.get('/twice-rejected');
      await waitFor(() => caught.length === 1 && shedder.active === 0, 'rejected and freed');
      expect((await twice).status).toBe(500);
      expect((await server.get('/resolved-then-rejected')).body).toBe('ok');
      await waitFor(() => shedder.active === 0, 'the slot freed');
      await flushPromises();
      expect(caught).toStrictEqual([{ rejected: 'first' }]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('ends the response, then its promise rejects: the client keeps its answer, the rejection goes on, one slot freed', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle(async (_, response) => {
          response.end('sent');
          await Promise.resolve();
          throw undefined;
        }),
        caught,
      ),
    );
    try {
      expect(await server.get('/x')).toMatchObject({ status: 200, body: 'sent' });
      await waitFor(() => caught.length === 1 && shedder.active === 0, 'rejected and freed');
      expect(caught).toStrictEqual([{ rejected: undefined }]);
      expect((await server.get('/x')).status).toBe(200);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('ends the response with a large body, then throws or rejects: the client still gets all of it', async () => {
    // more than a socket takes at once: still being written when the listener fails
    const body = 'x'.repeat(16 * 1024 * 1024);
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle((request, response) => {
          response.end(body);
          if (request.url === '/throw') throw 'after end';
          return Promise.reject('after end') as never;
        }),
        caught,
      ),
    );
    try {
      for (const path of ['/throw', '/reject']) {
        const answer = await server.received(path);
        expect([answer.status, answer.body.length, answer.complete]).toEqual([
          200,
          body.length,
          true,
        ]);
      }
      await waitFor(() => caught.length === 2 && shedder.active === 0, 'failed and freed');
      expect(caught).toStrictEqual([{ threw: 'after end' }, { rejected: 'after end' }]);
    } finally {
      await server.close();
      shedder.close();
    }
  });
});

describe('a clock that misbehaves', () => {
  it('answers requests as before while its clock throws, and reports it once', async () => {
    const clock = new FailingClock();
    let delay = 0;
    const shedder = new Shedder({
      name: 'api',
      concurrency: 4,
      sampleInterval: 1,
      maxEventLoopDelay: 50,
      clock,
      eventLoopDelay: () => delay,
    });
    const server = await serve(shedder.handle((_, r) => r.end('ok')));
    try {
      clock.failing = true;
      const statuses: number[] = [];
      const reports = await listenerReports(async () => {
        for (let i = 0; i < 3; i++) statuses.push((await server.get('/x')).status);
      });
      expect(statuses).toEqual([200, 200, 200]);
      expect(reports.map((r) => [r.error, r.source])).toEqual([
        ['clock broken', '@dyno/shed "api" clock'],
      ]);
      // the clock back: time goes on, and the delay is read again
      clock.failing = false;
      delay = 80;
      await clock.advance(1);
      expect((await server.get('/x')).status).toBe(503);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('refuses at construction a clock whose now() throws', () => {
    const clock = new FailingClock();
    clock.failing = true;
    expect(() => new Shedder({ clock })).toThrow(
      /^@dyno\/shed: option `clock` must read the time, but its now\(\) failed: thrown "clock broken"$/,
    );
  });
});

describe('user callbacks that throw', () => {
  it('handle: priority or the delay source throwing a non-error answers 500, holds no slot, counts nothing, and throws nothing at the server', async () => {
    const clock = new ManualClock();
    let thrown: { value: unknown } | undefined;
    let delayThrows = false;
    const shedder = new Shedder({
      concurrency: 1,
      sampleInterval: 1,
      clock,
      eventLoopDelay: () => {
        if (delayThrows) throw thrown?.value;
        return 0;
      },
      priority: (): Priority => {
        if (thrown !== undefined && !delayThrows) throw thrown.value;
        return 'critical';
      },
    });
    const caught: unknown[] = [];
    const server = await serve(
      capturing(
        shedder.handle((_, r) => r.end('ok')),
        caught,
      ),
    );
    try {
      for (const value of NON_ERRORS) {
        thrown = { value };
        delayThrows = false;
        expect((await server.get('/x')).status).toBe(500);
        delayThrows = true;
        await clock.advance(1);
        expect((await server.get('/x')).status).toBe(500);
      }
      expect(caught).toEqual([]);
      expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([0, 0, 0]);
      thrown = undefined;
      delayThrows = false;
      await clock.advance(1);
      expect((await server.get('/x')).status).toBe(200);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('Express: priority throwing a falsy value, "route", "router" or any non-error never lets the request through: next gets an Error (cause: the value)', async () => {
    let thrown: unknown;
    const shedder = new Shedder({
      concurrency: 1,
      maxEventLoopDelay: false,
      priority: () => {
        throw thrown;
      },
    });
    const ran: string[] = [];
    const errors: unknown[] = [];
    const app = express();
    app.use(shedder.middleware);
    app.get('/x', (_, response) => {
      ran.push('x');
      response.send('ran');
    });
    const onError: ErrorRequestHandler = (error, _, response, _next) => {
      errors.push(error);
      response.status(500).send('handled');
    };
    app.use(onError);
    const server = await serve(app);
    try {
      const values = [...TRICKY_FOR_NEXT, 'boom', { code: 'E_PLAIN' }];
      for (const value of values) {
        thrown = value;
        expect(await server.get('/x')).toMatchObject({ status: 500, body: 'handled' });
      }
      expect(ran).toEqual([]);
      expect(errors).toHaveLength(values.length);
      errors.forEach((error, i) => {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toContain('`priority` threw');
        expect((error as Error).cause).toBe(values[i]);
      });
      // an Error is handed on as it is
      const own = new RangeError('classifier');
      thrown = own;
      expect((await server.get('/x')).status).toBe(500);
      expect(errors.at(-1)).toBe(own);
      expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([0, 0, 0]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('Express: a delay source throwing undefined is an Error for next, naming the source', async () => {
    const clock = new ManualClock();
    const shedder = new Shedder({
      sampleInterval: 1,
      clock,
      eventLoopDelay: () => {
        throw undefined;
      },
    });
    const errors: unknown[] = [];
    let ran = 0;
    const server = await serve((request, response) =>
      shedder.middleware(request, response, (...args: unknown[]) => {
        if (args.length === 0) ran++;
        else errors.push(args[0]);
        response.statusCode = args.length === 0 ? 200 : 500;
        response.end();
      }),
    );
    try {
      await clock.advance(1);
      expect((await server.get('/x')).status).toBe(500);
      expect(ran).toBe(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(Error);
      expect((errors[0] as Error).message).toContain('`eventLoopDelay` threw');
      expect((errors[0] as Error).cause).toBeUndefined();
      expect(shedder.active).toBe(0);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('Fastify: priority throwing undefined, a string or a plain object goes to the error handler as an Error; the route never runs', async () => {
    let thrown: unknown;
    const shedder = new Shedder({
      maxEventLoopDelay: false,
      priority: () => {
        throw thrown;
      },
    });
    const ran: string[] = [];
    const errors: unknown[] = [];
    const app = Fastify();
    app.addHook('onRequest', shedder.fastify);
    app.setErrorHandler((error, _, reply) => {
      errors.push(error);
      reply.code(500).send('handled');
    });
    app.get('/x', async () => {
      ran.push('x');
      return 'ran';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const http = client((app.server.address() as AddressInfo).port);
    try {
      const values = [...TRICKY_FOR_NEXT, ...NON_ERRORS];
      for (const value of values) {
        thrown = value;
        expect(await http.get('/x')).toMatchObject({ status: 500, body: 'handled' });
      }
      expect(ran).toEqual([]);
      expect(errors).toHaveLength(values.length);
      errors.forEach((error, i) => {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).cause).toBe(values[i]);
      });
      expect([shedder.admitted, shedder.shed, shedder.active]).toEqual([0, 0, 0]);
    } finally {
      app.server.closeAllConnections();
      await app.close();
      shedder.close();
    }
  });

  it('onAdmit and onShed listeners that throw (anything) change no answer and no count, and are reported, every listener still called', async () => {
    const listener = listenerErrors();
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const calls: string[] = [];
    let next = 0;
    const throwing = () => {
      const value = NON_ERRORS[next++ % NON_ERRORS.length];
      throw value;
    };
    shedder.onAdmit(throwing);
    shedder.onAdmit(() => calls.push('admit'));
    shedder.onShed(throwing);
    shedder.onShed(() => calls.push('shed'));
    const held: (() => void)[] = [];
    const server = await serve(
      shedder.handle((request, response) => {
        if (request.url === '/hold') held.push(() => response.end('held'));
        else response.end('ok');
      }),
    );
    try {
      expect((await server.get('/x')).status).toBe(200);
      await waitFor(() => shedder.active === 0, 'the slot freed');
      const hold = server.get('/hold');
      await waitFor(() => held.length === 1, 'the slot taken');
      expect(await server.get('/x')).toMatchObject({ status: 503, retryAfter: '1' });
      expect((await server.get('/healthz')).status).toBe(200);
      held[0]?.();
      expect((await hold).body).toBe('held');
      await waitFor(() => shedder.active === 0, 'the slot freed');
      expect([shedder.admitted, shedder.shed]).toEqual([3, 1]);
      expect(calls).toEqual(['admit', 'admit', 'shed', 'admit']);
      expect(listener.reported.map((r) => r.error)).toStrictEqual([
        NON_ERRORS[0],
        NON_ERRORS[1],
        NON_ERRORS[2],
        NON_ERRORS[0],
      ]);
    } finally {
      listener.dispose();
      await server.close();
      shedder.close();
    }
  });

  it('a throwing onShed listener under Express and Fastify still gets the 503 out', async () => {
    const listener = listenerErrors();
    const shedder = new Shedder({ maxEventLoopDelay: false });
    shedder.onShed(() => {
      throw 'listener';
    });
    shedder.close();
    const app = express();
    app.use(shedder.middleware);
    app.get('/x', (_, response) => {
      response.send('ran');
    });
    const server = await serve(app);
    const fastify = Fastify();
    fastify.addHook('onRequest', shedder.fastify);
    fastify.get('/x', async () => 'ran');
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const http = client((fastify.server.address() as AddressInfo).port);
    try {
      expect(await server.get('/x')).toMatchObject({ status: 503, retryAfter: '1' });
      expect(await http.get('/x')).toMatchObject({ status: 503, retryAfter: '1' });
      expect(listener.reported.map((r) => r.error)).toEqual(['listener', 'listener']);
      expect(shedder.shed).toBe(2);
    } finally {
      listener.dispose();
      await server.close();
      fastify.server.closeAllConnections();
      await fastify.close();
    }
  });

  it('reports a throwing onAdmit or onShed listener under its own name and the shedder name', async () => {
    const listener = listenerErrors();
    const shedder = new Shedder({ maxEventLoopDelay: false, name: 'api' });
    shedder.onAdmit(() => {
      throw 'admit';
    });
    shedder.onShed(() => {
      throw 'shed';
    });
    const server = await serve(shedder.handle((_, response) => response.end('ok')));
    try {
      expect((await server.get('/x')).status).toBe(200);
      shedder.close();
      expect((await server.get('/x')).status).toBe(503);
      expect(listener.reported.map((r) => [r.source, r.error])).toEqual([
        ['@dyno/shed "api" onAdmit', 'admit'],
        ['@dyno/shed "api" onShed', 'shed'],
      ]);
    } finally {
      listener.dispose();
      await server.close();
      shedder.close();
    }
  });
});

describe('Express and Fastify routes that hang, throw non-errors or settle twice', () => {
  it('Express: the slot comes back after a hung route (client gone), a thrown string, a rejected undefined, and a route that answers then throws', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const app = express();
    let entered = 0;
    app.use(shedder.middleware);
    app.get('/hang', () => {
      entered++;
    });
    app.get('/string', () => {
      throw 'string';
    });
    app.get('/undefined', async () => {
      await Promise.resolve();
      throw undefined;
    });
    app.get('/twice', (_, response) => {
      response.send('sent');
      throw { after: 'send' };
    });
    app.get('/ok', (_, response) => {
      response.send('ok');
    });
    const server = await serve(app);
    try {
      const hung = server.open('/hang');
      await waitFor(() => entered === 1, 'the route entered');
      expect((await server.get('/ok')).status).toBe(503);
      hung.destroy();
      await waitFor(() => shedder.active === 0, 'freed after the client went away');
      expect((await server.get('/string')).status).toBe(500);
      await waitFor(() => shedder.active === 0, 'freed after a thrown string');
      // Express reads a rejection with undefined as an error too
      expect((await server.get('/undefined')).status).toBe(500);
      await waitFor(() => shedder.active === 0, 'freed after a rejected undefined');
      expect(await server.get('/twice')).toMatchObject({ status: 200, body: 'sent' });
      await waitFor(() => shedder.active === 0, 'freed after answering then throwing');
      expect((await server.get('/ok')).status).toBe(200);
      await waitFor(() => shedder.active === 0, 'freed');
      expect([shedder.admitted, shedder.shed]).toEqual([5, 1]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('Fastify: the slot comes back after a route that never settles (client gone), rejects with a string or undefined, or sends then throws', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const app = Fastify();
    let entered = 0;
    app.addHook('onRequest', shedder.fastify);
    app.get('/never', () => {
      entered++;
      return new Promise<never>(() => undefined);
    });
    app.get('/string', async () => {
      throw 'string';
    });
    app.get('/undefined', async () => {
      throw undefined;
    });
    app.get('/twice', (_, reply) => {
      reply.send('sent');
      throw { after: 'send' };
    });
    app.get('/ok', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const http = client((app.server.address() as AddressInfo).port);
    try {
      const hung = http.open('/never');
      await waitFor(() => entered === 1, 'the route entered');
      expect((await http.get('/ok')).status).toBe(503);
      hung.destroy();
      await waitFor(() => shedder.active === 0, 'freed after the client went away');
      expect((await http.get('/string')).status).toBe(500);
      await waitFor(() => shedder.active === 0, 'freed after a rejected string');
      expect((await http.get('/undefined')).status).toBe(500);
      await waitFor(() => shedder.active === 0, 'freed after a rejected undefined');
      expect(await http.get('/twice')).toMatchObject({ status: 200, body: 'sent' });
      await waitFor(() => shedder.active === 0, 'freed after sending then throwing');
      expect((await http.get('/ok')).status).toBe(200);
      await waitFor(() => shedder.active === 0, 'freed');
      expect([shedder.admitted, shedder.shed]).toEqual([5, 1]);
    } finally {
      app.server.closeAllConnections();
      await app.close();
      shedder.close();
    }
  });
});

describe('responses the shedder finds already sent or gone', () => {
  it('a request whose client went away before the shedder saw it (an earlier middleware was slow) holds no slot', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    let arrived = 0;
    let nexts = 0;
    const server = await serve((request, response) => {
      const next = () => {
        nexts++;
        if (!response.destroyed) response.end('ok');
      };
      if (request.url !== '/gone') return shedder.middleware(request, response, next);
      arrived++;
      // the earlier middleware goes on only once its client has given up
      response.once('close', () => shedder.middleware(request, response, next));
    });
    try {
      const gone = server.open('/gone');
      await waitFor(() => arrived === 1, 'the request arrived');
      gone.destroy();
      await waitFor(() => nexts === 1, 'the shedder let it through');
      await waitFor(() => shedder.active === 0, 'its slot back');
      expect((await server.get('/ok')).status).toBe(200);
      expect([shedder.admitted, shedder.shed]).toEqual([2, 0]);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('a shed request whose headers an earlier middleware already sent: its connection is cut, never ended as a whole answer', async () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    shedder.close(); // every request is shed
    const thrown: unknown[] = [];
    let nexts = 0;
    const server = await serve((request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('early ');
      try {
        shedder.middleware(request, response, () => nexts++);
      } catch (error) {
        thrown.push(error);
        response.end();
      }
    });
    try {
      // a cut answer: an error before the headers arrive, or a 200 whose body is not complete;
      // never one that looks whole (which ending the response gave: status 200, complete)
      const answer = await server.received('/x');
      expect(answer.complete).toBe(false);
      expect(['', 'early ']).toContain(answer.body);
      expect(thrown).toEqual([]);
      expect([nexts, shedder.shed]).toEqual([0, 1]);
    } finally {
      await server.close();
    }
  });

  it('listens to both finish and close of a response it let through, and leaves no listener on it once done (answered, or its client gone)', async () => {
    const shedder = new Shedder({ maxEventLoopDelay: false });
    type Counts = { before?: Listeners; during?: Listeners; after?: Listeners };
    const seen = new Map<string | undefined, Counts>([
      ['/answered', {}],
      ['/gone', {}],
    ]);
    const wrapped = shedder.handle((request, response) => {
      const counts = seen.get(request.url) as Counts;
      counts.during = listeners(response);
      if (request.url === '/answered') response.end('ok');
    });
    const server = await serve((request, response) => {
      const counts = seen.get(request.url) as Counts;
      counts.before = listeners(response);
      wrapped(request, response);
      response.once('close', () =>
        setImmediate(() => {
          counts.after = listeners(response);
        }),
      );
    });
    try {
      expect((await server.get('/answered')).status).toBe(200);
      const gone = server.open('/gone');
      await waitFor(() => seen.get('/gone')?.during !== undefined, 'the request held');
      gone.destroy();
      await waitFor(
        () => [...seen.values()].every((counts) => counts.after !== undefined),
        'both responses closed',
      );
      for (const { before, during, after } of seen.values()) {
        expect(during).toEqual({
          finish: (before?.finish ?? 0) + 1,
          close: (before?.close ?? 0) + 1,
        });
        expect(after).toEqual(before);
      }
      expect(shedder.active).toBe(0);
    } finally {
      await server.close();
      shedder.close();
    }
  });
});

describe('pipelined requests on one keep-alive connection', () => {
  /** Sends `paths` as pipelined GETs on one raw connection to `port` (no waiting for answers). */
  const pipeline = (port: number, paths: readonly string[]): Socket => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume();
    socket.write(paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    return socket;
  };

  it('frees the slots of responses queued behind a hung one when the client goes away (Node closes only the one being written)', async () => {
    const shedder = new Shedder({ concurrency: 5, maxEventLoopDelay: false });
    const seen: string[] = [];
    const server = await serve(
      shedder.handle((request, response) => {
        seen.push(request.url ?? '');
        // /answered is queued behind /hang: its answer is never written
        if (!request.url?.startsWith('/hang')) response.end('ok');
      }),
    );
    try {
      const socket = pipeline(server.port, ['/hang', '/answered', '/hang-too']);
      await waitFor(() => seen.length === 3, 'all three in their handlers');
      expect(shedder.active).toBe(3);
      socket.destroy();
      await waitFor(() => shedder.active === 0, 'every slot back');
      expect((await server.get('/x')).status).toBe(200);
    } finally {
      await server.close();
      shedder.close();
    }
  });

  it('watches a connection with one listener however deep its pipeline, and leaves none once every response is done', async () => {
    const shedder = new Shedder({ concurrency: 50, maxEventLoopDelay: false });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    let before = 0;
    let during = 0;
    let connection: Socket | undefined;
    let release = (): void => undefined;
    const wrapped = shedder.handle((request, response) => {
      if (request.url === '/first') release = () => response.end('first');
      else response.end('ok'); // queued behind /first
    });
    const server = await serve((request, response) => {
      if (request.url === '/first') {
        connection = request.socket;
        before = connection.listenerCount('close');
      }
      wrapped(request, response);
      during = Math.max(during, request.socket.listenerCount('close'));
    });
    try {
      const paths = ['/first', ...Array.from({ length: 20 }, (_, i) => `/p${i}`)];
      const socket = pipeline(server.port, paths);
      await waitFor(() => shedder.active === 21, 'every request in its handler');
      release();
      await waitFor(() => shedder.active === 0, 'every slot back');
      expect(during).toBeLessThanOrEqual(before + 2);
      // Node's own listeners on the connection, less the one of the response it was writing
      expect(connection?.listenerCount('close')).toBeLessThanOrEqual(before);
      expect(warnings).toEqual([]);
      socket.destroy();
    } finally {
      process.off('warning', onWarning);
      await server.close();
      shedder.close();
    }
  });
});

describe('a pool disposed behind the shedder', () => {
  it('closes the shedder, with no unhandled rejection: later requests get 503', async () => {
    const shedder = new Shedder({ concurrency: 2, maxEventLoopDelay: false });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const server = await serve(shedder.handle((_request, response) => response.end('ok')));
    try {
      shedder.pool.dispose(); // misuse: the pool is the shedder's own
      expect((await server.get('/first')).status).toBe(200); // admitted before it knew
      await waitFor(() => shedder.closed, 'the shedder closed');
      expect(await server.get('/second')).toMatchObject({ status: 503 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await server.close();
      shedder.close();
    }
  });
});
