import { getEventListeners } from 'node:events';
import { BrokenCircuitError } from '@dyno/breaker';
import { DisposedError } from '@dyno/core';
import { flushPromises, ManualClock, never, outcome } from '@dyno/core/testing';
import { MetricsRegistry } from '@dyno/metrics';
import { TimeoutError } from '@dyno/pool';
import { ConstantBackoff } from '@dyno/retry';
import { runWithDeadline } from './deadline.js';
import { HttpError } from './errors.js';
import type { FetchFunction } from './options.js';
import { resilientFetch } from './resilient-fetch.js';

// Behaviour that mutation testing (docs/reliability.md) showed no other test pinned down.

const ORIGIN = 'http://example.test';
const URL_X = `${ORIGIN}/x`;
const quick = { backoff: new ConstantBackoff({ delay: 1 }) };
const encoder = new TextEncoder();

/**
 * A user-supplied `fetch` answering each call with the next of `answers` (the last one repeats):
 * a response, an error to reject with, or `'hang'` for a call that never settles and ignores its
 * signal. `inits` holds what each call was sent with.
 */
function scripted(...answers: (Response | Error | 'hang' | (() => Response))[]) {
  const inits: RequestInit[] = [];
  const fetch = jest.fn((_url: unknown, init?: RequestInit): Promise<Response> => {
    inits.push(init ?? {});
    const answer = answers[Math.min(inits.length, answers.length) - 1];
    if (answer === 'hang') return never();
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(typeof answer === 'function' ? answer() : (answer as Response));
  });
  return { fetch: fetch as typeof fetch & FetchFunction, inits };
}

/** A response whose body reports a cancel. */
function watched(status = 200, text = 'body'): { response: Response; cancelled: () => boolean } {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(encoder.encode(text));
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body, { status }), cancelled: () => cancelled };
}

/** A response whose body sends `first`, then fails as `fetch`'s does when its signal aborts. */
function abortableBody(signal: AbortSignal, first = 'part'): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(first));
      signal.addEventListener('abort', () => controller.error(signal.reason), { once: true });
    },
  });
  return new Response(body);
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('resilientFetch: the caller’s signal', () => {
  it('rejects at once when the caller aborts during a backoff, and leaves no timer', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(new Response('busy', { status: 503 }));
    const client = resilientFetch({
      clock,
      fetch,
      retry: { backoff: new ConstantBackoff({ delay: 5_000 }) },
    });
    const controller = new AbortController();
    const call = client(URL_X, { signal: controller.signal });
    await flushPromises(); // the 503 came; the backoff has begun
    const why = new Error('user left');
    controller.abort(why);
    expect(await outcome(call)).toEqual({ error: why });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });

  it('with timeout: false, ends the call at the caller’s abort and aborts the signal fetch got', async () => {
    const clock = new ManualClock();
    const { fetch, inits } = scripted('hang');
    const client = resilientFetch({ clock, fetch, timeout: false, attemptTimeout: 1_000 });
    const controller = new AbortController();
    const call = client(URL_X, { signal: controller.signal });
    await flushPromises();
    const why = new Error('user left');
    controller.abort(why);
    expect(await outcome(call)).toEqual({ error: why });
    expect(inits[0]?.signal?.aborted).toBe(true);
    expect(inits[0]?.signal?.reason).toBe(why);
    expect(client.stats()[0]).toMatchObject({ networkErrors: 0, timeouts: 0 });
    expect(clock.pending).toBe(0); // the attempt's timer went with it
  });

  it('ends the call with a reason that is not an object, without retrying', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted('hang');
    const client = resilientFetch({ clock, fetch, retry: quick });
    const controller = new AbortController();
    const call = client(URL_X, { signal: controller.signal });
    await flushPromises();
    controller.abort('user left');
    expect(await outcome(call)).toEqual({ error: 'user left' });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(client.stats()[0]).toMatchObject({ networkErrors: 0, retries: 0 });
    expect(clock.pending).toBe(0);
  });

  it('with hedging and timeout: false, ends the call at the caller’s abort, starting no hedge', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted('hang');
    const client = resilientFetch({
      clock,
      fetch,
      timeout: false,
      hedge: { delay: 1_000, budget: false },
    });
    const judged = jest.fn();
    const controller = new AbortController();
    const call = client(URL_X, { signal: controller.signal });
    client.breaker(ORIGIN)?.onFailure(judged);
    await flushPromises();
    const why = new Error('user left');
    controller.abort(why);
    expect(await outcome(call)).toEqual({ error: why });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(client.stats()[0]).toMatchObject({ networkErrors: 0, hedges: 0 });
    expect(judged).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it('with timeout: false, fails a body being read when the caller aborts', async () => {
    const clock = new ManualClock();
    const fetch = jest.fn(async (_url: unknown, init?: RequestInit) =>
      abortableBody(init?.signal as AbortSignal),
    );
    const client = resilientFetch({ clock, fetch, timeout: false });
    const controller = new AbortController();
    const response = await client(URL_X, { signal: controller.signal });
    const read = response.text();
    const why = new Error('user left');
    controller.abort(why);
    expect(await outcome(read)).toEqual({ error: why });
    expect(clock.pending).toBe(0);
  });

  it('with timeout: false, leaves no listener on the caller’s signal once the body is read', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(() => new Response('ok'));
    const client = resilientFetch({ clock, fetch, timeout: false });
    const controller = new AbortController();
    const response = await client(URL_X, { signal: controller.signal });
    await expect(response.text()).resolves.toBe('ok');
    expect(listeners(controller.signal)).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('resilientFetch: the deadline', () => {
  it('bounds the reading of a request body by the deadline', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(() => new Response('ok'));
    const client = resilientFetch({ clock, fetch, timeout: 1_000 });
    const stalled = new ReadableStream<Uint8Array>({ pull: () => never() });
    const call = client(URL_X, { method: 'PUT', body: stalled, duplex: 'half' } as RequestInit);
    await clock.advance(1_000);
    const result = await outcome(call);
    expect(result).toEqual({ error: expect.objectContaining({ code: 'DYNO_TIMEOUT' }) });
    expect(fetch).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it('ends a hedged call at the deadline with its TimeoutError, starting no hedge', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted('hang');
    const client = resilientFetch({
      clock,
      fetch,
      timeout: 1_000,
      hedge: { delay: 5_000, budget: false },
    });
    const call = client(URL_X);
    await clock.advance(1_000);
    const result = await outcome(call);
    expect(result).toEqual({ error: expect.objectContaining({ code: 'DYNO_TIMEOUT' }) });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(client.stats()[0]).toMatchObject({ hedges: 0 });
    expect(clock.pending).toBe(0);
  });

  it('ends the call in a backoff when a runWithDeadline scope shorter than timeout passes', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(new TypeError('fetch failed'));
    const client = resilientFetch({
      clock,
      fetch,
      retry: { backoff: new ConstantBackoff({ delay: 2_000 }) },
    });
    const call = runWithDeadline(1_000, () => client(URL_X), { clock });
    await clock.advance(1_000);
    const result = await outcome(call);
    expect(result).toEqual({ error: expect.objectContaining({ code: 'DYNO_TIMEOUT' }) });
    expect((result as { error: TimeoutError }).error.timeout).toBe(1_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });

  it('starts no attempt after the deadline, even when a backoff ends just at it', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(new TypeError('fetch failed'));
    const client = resilientFetch({
      clock,
      fetch,
      timeout: 1_000,
      attemptTimeout: false,
      retry: { backoff: new ConstantBackoff({ delay: 1_000 }) },
    });
    const call = client(URL_X).catch((e: unknown) => e);
    await clock.advance(1_000);
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeout).toBe(1_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });

  it('answers at once with a response whose Retry-After ends at a runWithDeadline scope', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(
      () => new Response('later', { status: 503, headers: { 'retry-after': '3' } }),
    );
    const client = resilientFetch({ clock, fetch, retry: quick });
    const response = await runWithDeadline(3_000, () => client(URL_X), { clock });
    expect(response.status).toBe(503);
    await expect(response.text()).resolves.toBe('later');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('with timeout: false, still times an attempt out and aborts the signal fetch got', async () => {
    const clock = new ManualClock();
    const { fetch, inits } = scripted('hang');
    const client = resilientFetch({
      clock,
      fetch,
      name: 'api',
      timeout: false,
      attemptTimeout: 100,
      retry: false,
    });
    const call = client(URL_X).catch((e: unknown) => e);
    await clock.advance(100);
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ timeout: 100, source: 'api attempt' });
    expect(inits[0]?.signal?.aborted).toBe(true);
    expect(inits[0]?.signal?.reason).toBe(error);
    expect(client.stats()[0]).toMatchObject({ timeouts: 1, networkErrors: 0 });
    expect(clock.pending).toBe(0);
  });

  it('with timeout: false, retries a 503 and answers with the next response', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(new Response('busy', { status: 503 }), new Response('ok'));
    const client = resilientFetch({ clock, fetch, timeout: false, retry: quick });
    const call = client(URL_X);
    await clock.advance(1);
    const response = await call;
    await expect(response.text()).resolves.toBe('ok');
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(clock.pending).toBe(0);
  });

  it('with timeout: false, rejects with the very error fetch rejected with', async () => {
    const failure = new TypeError('fetch failed');
    const { fetch } = scripted(failure);
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch,
      timeout: false,
      retry: false,
    });
    await expect(client(URL_X)).rejects.toBe(failure);
  });
});

describe('resilientFetch: responses it does not answer with', () => {
  it('cancels the body of a response that a retry superseded', async () => {
    const clock = new ManualClock();
    const busy = watched(503);
    const { fetch } = scripted(busy.response, new Response('ok'));
    const client = resilientFetch({ clock, fetch, retry: quick });
    const call = client(URL_X);
    await clock.advance(1);
    await expect((await call).text()).resolves.toBe('ok');
    expect(busy.cancelled()).toBe(true); // its connection goes back to the pool
  });

  it('cancels the body of a response when a later attempt fails the call', async () => {
    const clock = new ManualClock();
    const busy = watched(503);
    const failure = new TypeError('fetch failed');
    const { fetch } = scripted(busy.response, failure);
    const client = resilientFetch({ clock, fetch, retry: { ...quick, attempts: 2 } });
    const call = client(URL_X).catch((e: unknown) => e);
    await clock.advance(1);
    expect(await call).toBe(failure);
    expect(busy.cancelled()).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('retries a response without a body, and answers with the next one', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(new Response(null, { status: 503 }), new Response(null));
    const client = resilientFetch({ clock, fetch, retry: quick });
    const call = client(URL_X, { method: 'HEAD' });
    await clock.advance(1);
    expect((await call).status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(clock.pending).toBe(0);
  });

  it('leaves no timer or listener once a response without a body came', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(() => new Response(null, { status: 204 }));
    const client = resilientFetch({ clock, fetch });
    const controller = new AbortController();
    const response = await client(URL_X, { signal: controller.signal });
    expect(response.status).toBe(204);
    expect(clock.pending).toBe(0);
    expect(listeners(controller.signal)).toBe(0);
  });
});

describe('resilientFetch: what each attempt counts', () => {
  it('numbers the attempts an HttpError lists', async () => {
    const clock = new ManualClock();
    const failure = new TypeError('fetch failed');
    const { fetch } = scripted(
      new Response('busy', { status: 503 }),
      failure,
      new Response('down', { status: 500 }),
    );
    const client = resilientFetch({ clock, fetch, retry: quick, throwHttpErrors: true });
    const call = client(URL_X).catch((e: unknown) => e);
    await clock.advance(2);
    const error = (await call) as HttpError;
    expect(HttpError.isInstance(error)).toBe(true);
    expect(error.attempts).toEqual([
      { attempt: 1, status: 503 },
      { attempt: 2, error: failure },
      { attempt: 3, status: 500 },
    ]);
  });

  it('counts each status in its class, at the edges of the classes', async () => {
    const clock = new ManualClock();
    // a Response of another realm: fetch never resolves with a 1xx, but the class exists
    const informational = { status: 103, headers: new Headers(), body: null } as Response;
    const { fetch } = scripted(
      informational,
      new Response(null, { status: 200 }),
      new Response(null, { status: 300 }),
      new Response(null, { status: 400 }),
      new Response(null, { status: 500 }),
    );
    const client = resilientFetch({ clock, fetch, retry: false });
    for (let i = 0; i < 5; i++) await client(URL_X);
    expect(client.stats()[0]?.statuses).toEqual({
      '1xx': 1,
      '2xx': 1,
      '3xx': 1,
      '4xx': 1,
      '5xx': 1,
    });
  });

  it('records each attempt’s latency as the time it took on the clock', async () => {
    const clock = new ManualClock(1_000_000);
    let answer: (r: Response) => void = () => undefined;
    let fail: (e: unknown) => void = () => undefined;
    const fetch = jest
      .fn<Promise<Response>, []>()
      .mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
      .mockImplementationOnce(() => new Promise((_, reject) => (fail = reject)))
      .mockImplementationOnce(() => never());
    const registry = new MetricsRegistry();
    const client = resilientFetch({
      clock,
      fetch,
      name: 'api',
      metrics: registry,
      retry: false,
      attemptTimeout: 100,
    });
    const ok = client(URL_X);
    await clock.advance(40);
    answer(new Response(null));
    await ok;
    const failed = client(URL_X).catch(() => undefined);
    await clock.advance(30);
    fail(new TypeError('fetch failed'));
    await failed;
    const timedOut = client(URL_X).catch(() => undefined);
    await clock.advance(100);
    await timedOut;
    const snapshot = registry.get(`api ${ORIGIN}`).snapshot();
    expect(snapshot.counts).toMatchObject({ success: 1, failure: 1, timeout: 1 });
    expect(snapshot.latency).toMatchObject({ totalCount: 3, totalSum: 40 + 30 + 100 });
  });

  it('tells the breaker which status failed', async () => {
    const { fetch } = scripted(() => new Response('down', { status: 503 }));
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch,
      retry: false,
      breaker: { strategy: { kind: 'consecutive-failures', failures: 1 }, exposeResults: true },
    });
    const breaks: unknown[] = [];
    const first = client(URL_X);
    client.breaker(ORIGIN)?.onBreak((e) => breaks.push(e.reason));
    await (await first).text();
    expect(breaks).toEqual(['HTTP 503']);
  });

  it('gives back a half-open probe that the deadline cut, so the next call probes', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(new TypeError('fetch failed'), 'hang', new Response('back'));
    const client = resilientFetch({
      clock,
      fetch,
      retry: false,
      timeout: 500,
      attemptTimeout: false,
      breaker: { strategy: { kind: 'consecutive-failures', failures: 1 }, openDuration: 1_000 },
    });
    await expect(client(URL_X)).rejects.toThrow('fetch failed');
    expect(client.breaker(ORIGIN)?.state).toBe('open');
    await clock.advance(1_000);
    const probe = client(URL_X).catch((e: unknown) => e); // hangs until the deadline cuts it
    await clock.advance(500);
    expect(TimeoutError.isInstance(await probe)).toBe(true);
    const next = await client(URL_X);
    await expect(next.text()).resolves.toBe('back');
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(client.breaker(ORIGIN)?.state).toBe('closed');
  });

  it('hands every outcome to the caller as it is with neither a breaker nor metrics', async () => {
    const clock = new ManualClock();
    const failure = new TypeError('fetch failed');
    const { fetch } = scripted(
      new Response('fine'),
      new Response('down', { status: 500 }),
      failure,
      'hang',
    );
    const client = resilientFetch({
      clock,
      fetch,
      retry: false,
      breaker: false,
      metrics: false,
      timeout: 1_000,
      attemptTimeout: 100,
    });
    await expect((await client(URL_X)).text()).resolves.toBe('fine');
    await expect((await client(URL_X)).text()).resolves.toBe('down');
    await expect(client(URL_X)).rejects.toBe(failure);
    const timedOut = client(URL_X).catch((e: unknown) => e);
    await clock.advance(100);
    expect(await timedOut).toMatchObject({ code: 'DYNO_TIMEOUT', timeout: 100 });
    expect(client.stats()[0]).toMatchObject({ networkErrors: 1, timeouts: 1 });
  });

  it('hands the caller the deadline’s TimeoutError with neither a breaker nor metrics', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted('hang');
    const client = resilientFetch({
      clock,
      fetch,
      breaker: false,
      metrics: false,
      timeout: 1_000,
      attemptTimeout: false,
    });
    const call = client(URL_X).catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(await call).toMatchObject({ code: 'DYNO_TIMEOUT', timeout: 1_000 });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refuses with the BrokenCircuitError of an open circuit with metrics: false', async () => {
    const { fetch } = scripted(new TypeError('fetch failed'));
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch,
      retry: false,
      metrics: false,
      breaker: { strategy: { kind: 'consecutive-failures', failures: 1 } },
    });
    await expect(client(URL_X)).rejects.toThrow('fetch failed');
    const refused = await client(URL_X).catch((e: unknown) => e);
    expect(BrokenCircuitError.isInstance(refused)).toBe(true);
    expect(client.stats()[0]).toMatchObject({ shortCircuited: 1 });
  });

  it('answers with the fallback, or rejects with what it threw, with metrics: false', async () => {
    const boom = new Error('no fallback either');
    const { fetch } = scripted(new TypeError('fetch failed'));
    const answers = [() => new Response('cached')];
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch,
      retry: false,
      metrics: false,
      fallback: () => {
        const next = answers.shift();
        if (next === undefined) throw boom;
        return next();
      },
    });
    await expect((await client(URL_X)).text()).resolves.toBe('cached');
    await expect(client(URL_X)).rejects.toBe(boom);
  });
});

describe('resilientFetch: what fetch is sent', () => {
  it('sends the caller’s headers as they are, and no deadline header by default', async () => {
    const { fetch, inits } = scripted(() => new Response(null));
    const client = resilientFetch({ clock: new ManualClock(), fetch });
    await client(URL_X, { headers: { 'x-a': '1' } });
    expect([...new Headers(inits[0]?.headers)]).toEqual([['x-a', '1']]);
  });

  it('sends the attempt timeout as the deadline header when there is no total timeout', async () => {
    const { fetch, inits } = scripted(() => new Response(null));
    const client = resilientFetch({
      clock: new ManualClock(),
      fetch,
      timeout: false,
      attemptTimeout: 500,
      deadlineHeader: 'x-deadline-ms',
    });
    await client(URL_X);
    expect(new Headers(inits[0]?.headers).get('x-deadline-ms')).toBe('500');
  });

  it('sends the time left as the deadline header on each attempt', async () => {
    const clock = new ManualClock(5_000);
    const { fetch, inits } = scripted(new Response(null, { status: 503 }), new Response(null));
    const client = resilientFetch({
      clock,
      fetch,
      timeout: 1_000,
      attemptTimeout: false,
      deadlineHeader: 'x-deadline-ms',
      retry: { backoff: new ConstantBackoff({ delay: 100 }), retryAfter: false },
    });
    const call = client(URL_X);
    await clock.advance(100);
    expect((await call).status).toBe(200);
    expect(inits.map((init) => new Headers(init.headers).get('x-deadline-ms'))).toEqual([
      '1000',
      '900',
    ]);
  });

  it('sends a body streamed past the buffering limit with duplex: half', async () => {
    const { fetch, inits } = scripted(() => new Response(null));
    const client = resilientFetch({ clock: new ManualClock(), fetch, maxBufferedBody: 1 });
    async function* body() {
      yield 'abc';
    }
    await client(URL_X, { method: 'PUT', body: body() as never }); // no duplex from the caller
    expect(inits[0]).toMatchObject({ method: 'PUT', duplex: 'half' });
    expect(inits[0]?.body).toBeInstanceOf(ReadableStream);
  });

  it.each([
    ['null', null],
    ['an object with headers but no status', { headers: new Headers(), body: null }],
    ['an object with a status but no headers', { status: 200, body: null }],
  ])('rejects with a TypeError when fetch resolves with %s', async (_, value) => {
    const { fetch } = scripted(() => value as unknown as Response);
    const client = resilientFetch({ clock: new ManualClock(), fetch, retry: false });
    const result = await outcome(client(URL_X));
    expect(result).toEqual({ error: expect.any(TypeError) });
    expect((result as { error: TypeError }).error.message).toMatch(
      /^@dyno\/fetch: `fetch` resolved with .+, not a Response$/,
    );
  });

  it('aborts the signal of a hedged attempt that lost, even without an attempt timeout', async () => {
    const clock = new ManualClock();
    const { fetch, inits } = scripted('hang', () => new Response('fast'));
    const client = resilientFetch({
      clock,
      fetch,
      attemptTimeout: false,
      hedge: { delay: 100, budget: false },
    });
    const call = client(URL_X);
    await clock.advance(100);
    await expect((await call).text()).resolves.toBe('fast');
    expect(inits[0]?.signal?.aborted).toBe(true);
    expect(inits[1]?.signal?.aborted).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe('resilientFetch: a signal only where something can abort', () => {
  it('hands fetch no signal when neither a deadline nor the caller can end the call', async () => {
    // a signal per call would cost an allocation and fetch's listener for nothing
    const { fetch, inits } = scripted(() => new Response('x'));
    const client = resilientFetch({ fetch, timeout: false, attemptTimeout: false });
    await (await client(URL_X)).text();
    await (await client(URL_X, { signal: new AbortController().signal })).text();
    expect(inits[0]?.signal).toBeUndefined();
    expect(inits[1]?.signal).toBeInstanceOf(AbortSignal);
  });
});

describe('resilientFetch: the client', () => {
  it('rejects every call after dispose() with a DisposedError that names it', async () => {
    const { fetch } = scripted(() => new Response(null));
    const client = resilientFetch({ clock: new ManualClock(), fetch, name: 'api' });
    client.dispose();
    client.dispose();
    const error = await client(URL_X).catch((e: unknown) => e);
    expect(DisposedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      message: 'This resilientFetch has been disposed',
      source: 'api',
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('takes a null init as none, as fetch does, and rejects one that is not an object', async () => {
    const { fetch, inits } = scripted(() => new Response(null));
    const client = resilientFetch({ clock: new ManualClock(), fetch });
    expect((await client(URL_X, null as unknown as RequestInit)).status).toBe(200);
    expect(inits).toHaveLength(1);
    await expect(client(URL_X, 5 as unknown as RequestInit)).rejects.toThrow(
      '@dyno/fetch: `init` must be an object; received 5',
    );
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('resilientFetch: the body of the response it answers with', () => {
  it('keeps the deadline on a clone’s body until every copy is cancelled', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(() => new Response('ok'));
    const client = resilientFetch({ clock, fetch });
    const response = await client(URL_X);
    const copy = response.clone();
    // a branch of a teed body settles its cancel once both branches are cancelled
    const first = response.body?.cancel();
    await flushPromises();
    expect(clock.pending).toBe(1); // the copy can still be read, within the deadline
    await Promise.all([first, copy.body?.cancel()]);
    expect(clock.pending).toBe(0);
  });

  it('gives the same body stream on every look at response.body', async () => {
    const { fetch } = scripted(() => new Response('ok'));
    const client = resilientFetch({ clock: new ManualClock(), fetch });
    const response = await client(URL_X);
    expect(response.body).toBe(response.body);
    await response.body?.cancel();
  });

  it('streams the whole body through response.body', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(() => new Response('streamed body'));
    const client = resilientFetch({ clock, fetch });
    const response = await client(URL_X);
    await expect(new Response(response.body).text()).resolves.toBe('streamed body');
    expect(clock.pending).toBe(0);
  });

  it('reads the body with text() after a look at response.body and a wait', async () => {
    const clock = new ManualClock();
    const { fetch } = scripted(() => new Response('ok'));
    const client = resilientFetch({ clock, fetch });
    const response = await client(URL_X);
    expect(response.body).not.toBeNull();
    await flushPromises();
    await expect(response.text()).resolves.toBe('ok');
    expect(clock.pending).toBe(0);
  });

  it('fails a read of response.body with the body’s error, and leaves no timer', async () => {
    const clock = new ManualClock();
    const broken = new Error('connection reset');
    const { fetch } = scripted(
      () => new Response(new ReadableStream({ pull: (controller) => controller.error(broken) })),
    );
    const client = resilientFetch({ clock, fetch });
    const response = await client(URL_X);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(await outcome(reader.read())).toEqual({ error: broken });
    expect(clock.pending).toBe(0);
  });
});
