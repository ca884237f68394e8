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

  it('keeps a response of another Response class whole: another undici’s, or a subclass', async () => {
    // like a Response from another copy of undici: its state is its own, which the platform's
    // getters cannot read
    class OtherResponse {
      readonly #inner: Response;
      constructor(body: string, status: number) {
        this.#inner = new Response(body, { status });
      }
      get status(): number {
        return this.#inner.status;
      }
      get ok(): boolean {
        return this.#inner.ok;
      }
      get headers(): Headers {
        return this.#inner.headers;
      }
      get body(): ReadableStream<Uint8Array> | null {
        return this.#inner.body;
      }
      text(): Promise<string> {
        return this.#inner.text();
      }
    }
    class Tagged extends Response {
      tag(): string {
        return 'mine';
      }
    }
    const clock = new ManualClock();
    const answers = [
      new OtherResponse('other', 503),
      new OtherResponse('other', 200),
      new Tagged('t'),
    ];
    const fetch = jest.fn(() => Promise.resolve(answers.shift() as unknown as Response));
    const client = resilientFetch({
      clock,
      fetch,
      retry: { backoff: new ConstantBackoff({ delay: 0 }) },
    });
    const call = client(URL_X);
    await clock.advance(0);
    const other = await call;
    expect([other.status, other.ok]).toEqual([200, true]);
    await expect(other.text()).resolves.toBe('other');
    const tagged = (await client(URL_X)) as Tagged;
    expect(tagged.tag()).toBe('mine');
    await expect(tagged.text()).resolves.toBe('t');
    expect(clock.pending).toBe(0); // each call's timer went with its body
  });

  it('rejects with a TypeError at once when reading the resolved value’s status throws', async () => {
    const clock = new ManualClock();
    const broken = {
      get status(): number {
        throw new Error('getter');
      },
    };
    const fetch = jest.fn(() => Promise.resolve(broken as unknown as Response));
    const client = resilientFetch({ clock, fetch, retry: false });
    let error: unknown = 'still pending';
    void client(URL_X).catch((e: unknown) => (error = e));
    await new Promise((r) => setImmediate(r)); // without the attempt timeout
    expect(error).toBeInstanceOf(TypeError);
    expect(client.stats()[0]).toMatchObject({ networkErrors: 1, timeouts: 0 });
    expect(clock.pending).toBe(0);
  });
});
