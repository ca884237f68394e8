import { ManualClock } from '@dyno/core/testing';
import { TimeoutError } from '@dyno/pool';
import { ConstantBackoff } from '@dyno/retry';
import { resilientFetch } from './resilient-fetch.js';

// The dependency here is the `fetch` the user passes: each test hands in one that misbehaves.
const URL_X = 'http://example.test/x';
const quick = { backoff: new ConstantBackoff({ delay: 1 }) };

/** A response whose body reports a cancel. */
function trackedResponse(status = 200): { response: Response; cancelled: () => boolean } {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode('late'));
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body, { status }), cancelled: () => cancelled };
}

describe('resilientFetch: a fetch that misbehaves', () => {
  it.each([
    ['a string', 'boom'],
    ['undefined', undefined],
    ['a plain object', { message: 'not an Error' }],
  ])('rejects with %s that fetch throws, without retrying it', async (_, thrown) => {
    const clock = new ManualClock();
    const fetch = jest.fn(() => {
      throw thrown;
    });
    const client = resilientFetch({ clock, fetch, retry: quick });
    await expect(client(URL_X)).rejects.toBe(thrown);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(client.stats()[0]).toMatchObject({ networkErrors: 1, retries: 0 });
    expect(clock.pending).toBe(0);
  });

  it('rejects with a non-error that fetch rejects with, and counts it against the origin', async () => {
    const clock = new ManualClock();
    const fetch = jest.fn(() => Promise.reject(42));
    const client = resilientFetch({ clock, fetch, retry: quick });
    const failures = jest.fn();
    const call = client(URL_X);
    client.breaker('http://example.test')?.onFailure(failures);
    await expect(call).rejects.toBe(42);
    expect(failures).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });

  it('takes the first outcome of a fetch whose thenable calls back twice', async () => {
    const clock = new ManualClock();
    const { response } = trackedResponse(200);
    const fetch = jest.fn(
      () =>
        ({
          then(resolve: (r: Response) => void, reject: (e: unknown) => void) {
            resolve(response);
            reject(new TypeError('fetch failed'));
            resolve(new Response('second'));
          },
        }) as unknown as Promise<Response>,
    );
    const client = resilientFetch({ clock, fetch, retry: quick });
    const answered = await client(URL_X);
    expect(answered).toBe(response);
    await expect(answered.text()).resolves.toBe('late');
    expect(client.stats()[0]).toMatchObject({ statuses: { '2xx': 1 }, networkErrors: 0 });
    expect(clock.pending).toBe(0);
  });

  it('cancels the body of a response that comes after the deadline, and counts nothing', async () => {
    const clock = new ManualClock();
    let answer: (r: Response) => void = () => {};
    const fetch = jest.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    const client = resilientFetch({ clock, fetch, timeout: 1_000, attemptTimeout: false });
    const call = client(URL_X).catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(TimeoutError.isInstance(await call)).toBe(true);
    const late = trackedResponse(200);
    answer(late.response); // the fetch ignored its signal and answers anyway
    await clock.advance(0);
    await new Promise((r) => setImmediate(r));
    expect(late.cancelled()).toBe(true); // its connection goes back to the pool
    expect(client.stats()[0]).toMatchObject({ statuses: { '2xx': 0 }, networkErrors: 0 });
    expect(clock.pending).toBe(0);
  });

  it('rejects with what a user-supplied backoff throws, and leaves no timer', async () => {
    const clock = new ManualClock();
    const fetch = jest.fn(() => Promise.reject(new TypeError('fetch failed')));
    const backoff = {
      delay(): number {
        throw new RangeError('backoff bug');
      },
    };
    const client = resilientFetch({ clock, fetch, retry: { backoff } });
    await expect(client(URL_X)).rejects.toThrow('backoff bug');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });
  it.each([
    ['undefined', undefined],
    ['a string', 'ok'],
    ['an object without status', { body: null }],
  ])('rejects with a TypeError naming it when fetch resolves with %s', async (_, value) => {
    const clock = new ManualClock();
    const fetch = jest.fn(() => Promise.resolve(value as unknown as Response));
    const client = resilientFetch({ clock, fetch, retry: false });
    const error = await client(URL_X).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toMatch(
      /^@dyno\/fetch: `fetch` resolved with .+, not a Response$/,
    );
    expect(clock.pending).toBe(0);
  });
});
