import { setFlagsFromString } from 'node:v8';
import { ManualClock } from '@dyno/core/testing';
import { TimeoutError } from '@dyno/pool';
import { ConstantBackoff, RetryBudget } from '@dyno/retry';
import type { ResilientFetchOptions } from './options.js';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, type Handler, hang, ok } from './test-support/server.js';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

const quick = { backoff: new ConstantBackoff({ delay: 1 }) };

/**
 * A call started on a manual clock, through a `fetch` that ignores its signal and never settles;
 * `signals` holds the signal each attempt was sent with.
 */
function hungCall(options: Omit<ResilientFetchOptions, 'clock' | 'fetch'>) {
  const clock = new ManualClock();
  const signals: AbortSignal[] = [];
  const fetch = jest.fn((_url: unknown, init?: RequestInit) => {
    signals.push(init?.signal as AbortSignal);
    return new Promise<Response>(() => {});
  });
  const client = resilientFetch({ clock, fetch, ...options });
  const call = client('http://example.test/x').catch((e: unknown) => e);
  return { clock, fetch, client, call, signals };
}

describe('resilientFetch: timeouts', () => {
  it('cuts an attempt whose headers are slow, and retries it', async () => {
    const slowHeaders: Handler = (_req, res) => server.later(1_500, () => res.end('late'));
    server.script('/slow', slowHeaders, ok('fast'));
    // 250 ms: room for the first fetch of a loaded process; the slow answer would take 1.5 s
    const client = resilientFetch({ attemptTimeout: 250, retry: quick });
    const started = Date.now();
    const response = await client(server.url('/slow'));
    await expect(response.text()).resolves.toBe('fast');
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(client.stats()[0]).toMatchObject({ timeouts: 1, retries: 1 });
  });

  it('rejects with a TimeoutError at the total deadline when the server hangs', async () => {
    server.script('/hang', hang);
    const client = resilientFetch({ timeout: 80, attemptTimeout: false, name: 'api' });
    const error = await client(server.url('/hang')).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DYNO_TIMEOUT', source: 'api', timeout: 80 });
  });

  it('rejects at the deadline even when fetch ignores its signal and never settles', async () => {
    const { clock, fetch, call } = hungCall({
      timeout: 1_000,
      attemptTimeout: 300,
      retry: { ...quick, attempts: 10 },
    });
    await clock.advance(300);
    await clock.advance(1); // the backoff
    expect(fetch).toHaveBeenCalledTimes(2);
    await clock.advance(699); // attempts at 0, 301, 602 and 903; the deadline at 1 000
    expect(fetch).toHaveBeenCalledTimes(4);
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeout).toBe(1_000);
    expect(clock.pending).toBe(0);
  });

  it('bounds a slow body by the total deadline', async () => {
    const slowBody: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part, ');
      server.later(2_000, () => res.end('rest'));
    };
    server.script('/trickle', slowBody);
    const client = resilientFetch({ timeout: 150 });
    const response = await client(server.url('/trickle'));
    expect(response.status).toBe(200);
    const error = await response.text().catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
  });

  it.each(['text', 'stream'])(
    'bounds by the deadline a %s read of a body that never ends, from a fetch ignoring its signal',
    async (how) => {
      const clock = new ManualClock();
      const endless = () =>
        new Response(
          new ReadableStream({
            start: (controller) => controller.enqueue(new TextEncoder().encode('a')),
          }),
        );
      const client = resilientFetch({ clock, timeout: 1_000, fetch: async () => endless() });
      const response = await client('http://example.test/');
      const read =
        how === 'text'
          ? response.text()
          : (async () => {
              const reader = (response.body as ReadableStream<Uint8Array>).getReader();
              while (!(await reader.read()).done) {}
            })();
      let outcome: unknown = 'still pending';
      void read.then(
        () => (outcome = 'read'),
        (e: unknown) => (outcome = e),
      );
      await clock.advance(1_000);
      await new Promise((r) => setImmediate(r));
      expect(TimeoutError.isInstance(outcome)).toBe(true);
      // a read begun later fails too
      const late = await client('http://example.test/');
      await clock.advance(1_000);
      await expect(late.text()).rejects.toMatchObject({ code: 'DYNO_TIMEOUT' });
      expect(clock.pending).toBe(0);
    },
  );

  it('rejects a body read begun after the deadline with the TimeoutError, not an AbortError', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({ clock, timeout: 1_000, name: 'api' });
    const response = await client(server.url('/ok'));
    await clock.advance(1_000);
    const error = await response.text().catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DYNO_TIMEOUT', source: 'api', timeout: 1_000 });
    expect(clock.pending).toBe(0);
  });

  it('leaves no timer once the body is read', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({ clock });
    const response = await client(server.url('/ok'));
    expect(clock.pending).toBe(1); // the deadline still bounds the body
    await response.text();
    expect(clock.pending).toBe(0);
  });

  it('leaves no timer once the body is cancelled', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({ clock });
    const response = await client(server.url('/ok'));
    await response.body?.cancel();
    expect(clock.pending).toBe(0);
  });

  it('leaves no timer once the body is read as a stream', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({ clock });
    const response = await client(server.url('/ok'));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    while (!(await reader.read()).done) {}
    expect(clock.pending).toBe(0);
  });

  it('reads the body with text() after a look at response.body', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({ clock });
    const response = await client(server.url('/ok'));
    expect(response.body).not.toBeNull();
    await expect(response.text()).resolves.toBe('ok');
    expect(response.bodyUsed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('leaves no timer once either copy of a cloned body is read', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({ clock });
    const response = await client(server.url('/ok'));
    expect(response).toBeInstanceOf(Response);
    const copy = response.clone();
    expect(clock.pending).toBe(1);
    await expect(copy.text()).resolves.toBe('ok');
    expect(clock.pending).toBe(0);
    await expect(response.text()).resolves.toBe('ok');
  });

  it('gives every response it binds to the deadline the same hidden class', async () => {
    // V8 keeps no transitions from a map whose prototype was changed: fields added after the
    // prototype gave each response a map of its own (slower, and megamorphic everywhere)
    setFlagsFromString('--allow-natives-syntax');
    const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
      a: object,
      b: object,
    ) => boolean;
    const clock = new ManualClock();
    const client = resilientFetch({ clock, fetch: async () => new Response('ok') });
    const [a, b] = [await client('http://example.test/a'), await client('http://example.test/b')];
    expect(clock.pending).toBe(2); // both are bound to their deadlines
    expect(sameMap(a, b)).toBe(true);
    expect(sameMap(a.clone(), b.clone())).toBe(true);
    await Promise.all([a.text(), b.text()]);
  });

  it('rejects with the caller’s reason when it aborts, without a fallback', async () => {
    server.script('/hang', hang);
    const fallback = jest.fn(() => new Response('no'));
    const client = resilientFetch({ fallback });
    const controller = new AbortController();
    const call = client(server.url('/hang'), { signal: controller.signal });
    await server.seen('/hang', 1);
    const why = new Error('user left');
    controller.abort(why);
    await expect(call).rejects.toBe(why);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('rejects with the caller’s reason when it aborts during a fallback that hangs', async () => {
    const clock = new ManualClock();
    let asked: () => void = () => {};
    const fallbackAsked = new Promise<void>((resolve) => (asked = resolve));
    const client = resilientFetch({
      clock,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
      retry: false,
      fallback: () => {
        asked();
        return new Promise<Response>(() => {});
      },
    });
    const controller = new AbortController();
    let outcome: unknown = 'still pending';
    void client('http://example.test/', { signal: controller.signal }).catch((e) => (outcome = e));
    await fallbackAsked;
    const why = new Error('user left');
    controller.abort(why);
    await new Promise((r) => setImmediate(r));
    expect(outcome).toBe(why);
    expect(clock.pending).toBe(0);
  });

  it('rejects before sending when the signal has already aborted', async () => {
    const fetch = jest.fn();
    const client = resilientFetch({ fetch });
    const why = new Error('too late');
    await expect(client('http://example.test/', { signal: AbortSignal.abort(why) })).rejects.toBe(
      why,
    );
    expect(fetch).not.toHaveBeenCalled();
  });

  it('answers a timeout with the fallback', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({
      clock,
      fetch: () => new Promise(() => {}),
      retry: false,
      attemptTimeout: 100,
      fallback: (error) => new Response(TimeoutError.isInstance(error) ? 'timed out' : 'other'),
    });
    const call = client('http://example.test/');
    await clock.advance(100);
    await expect((await call).text()).resolves.toBe('timed out');
  });

  it('aborts the signal fetch was given at the deadline, and counts that attempt as cancelled', async () => {
    // no signal, no body, no hedge: the call has no signal of its own, only the attempt has
    const { clock, fetch, client, call, signals } = hungCall({
      timeout: 1_000,
      attemptTimeout: false,
    });
    const judged = jest.fn();
    client.breaker('http://example.test')?.onFailure(judged);
    client.breaker('http://example.test')?.onSuccess(judged);
    await clock.advance(1_000);
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeout).toBe(1_000);
    expect(fetch).toHaveBeenCalledTimes(1); // the call's own deadline is never retried
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe(error);
    // cut by the deadline: neither a network error nor a failure of the origin
    expect(client.stats()[0]).toMatchObject({ networkErrors: 0, timeouts: 0 });
    expect(judged).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it('does not begin a backoff that would end after the deadline', async () => {
    const { clock, fetch, call } = hungCall({
      timeout: 1_000,
      attemptTimeout: 300,
      retry: { backoff: new ConstantBackoff({ delay: 800 }), attempts: 5 },
    });
    await clock.advance(300); // the attempt times out; 300 + 800 is past the deadline
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeout).toBe(300); // the attempt's, at once
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.now()).toBe(300);
    expect(clock.pending).toBe(0);
  });

  it('takes no retry once the deadline has passed, even with a zero backoff', async () => {
    const budget = new RetryBudget({ clock: new ManualClock() }); // its own clock: never rolls
    const { clock, fetch, call } = hungCall({
      timeout: 1_000,
      attemptTimeout: false,
      retry: { backoff: new ConstantBackoff({ delay: 0 }), attempts: 3, budget },
    });
    await clock.advance(1_000); // the attempt is cut at the deadline; a 0 ms wait still "fits"
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeout).toBe(1_000);
    expect(budget.retries).toBe(0);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
