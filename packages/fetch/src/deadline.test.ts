import { ManualClock } from '@dyno/core/testing';
import { TimeoutError } from '@dyno/pool';
import { readDeadline, remainingDeadline, runWithDeadline } from './deadline.js';
import { resilientFetch } from './resilient-fetch.js';
import { faultServer, hang } from './test-support/server.js';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeEach(async () => {
  server = await faultServer();
});
afterEach(() => server.close());

describe('deadline propagation', () => {
  it('shortens every outgoing call inside a runWithDeadline scope', async () => {
    server.script('/hang', hang);
    const client = resilientFetch({ timeout: 10_000, name: 'api' });
    const started = Date.now();
    const error = await runWithDeadline(60, async () => {
      await Promise.resolve();
      return client(server.url('/hang'));
    }).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('never lets an inner scope extend an outer one, and reads the time left', async () => {
    const clock = new ManualClock();
    expect(remainingDeadline()).toBeUndefined();
    await runWithDeadline(
      100,
      async () => {
        await clock.advance(30);
        expect(remainingDeadline()).toBe(70);
        await runWithDeadline(1_000, () => expect(remainingDeadline()).toBe(70), { clock });
      },
      { clock },
    );
  });

  it('rejects at once, sending nothing, when the scope has no time left', async () => {
    const clock = new ManualClock();
    const fetch = jest.fn();
    const client = resilientFetch({ clock, fetch });
    const error = await runWithDeadline(
      10,
      async () => {
        await clock.advance(10);
        return client('http://example.test/');
      },
      { clock },
    ).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('sends the remaining budget in a header when asked', async () => {
    const clock = new ManualClock();
    const client = resilientFetch({ clock, deadlineHeader: 'x-deadline-ms', attemptTimeout: 800 });
    await (await client(server.url('/a'))).text();
    await runWithDeadline(250, async () => (await client(server.url('/a'))).text(), { clock });
    const sent = server.hits('/a').map((h) => h.headers['x-deadline-ms']);
    expect(sent).toEqual(['800', '250']);
    const silent = resilientFetch({ timeout: false, attemptTimeout: false, deadlineHeader: 'x-d' });
    await (await silent(server.url('/b'))).text();
    expect(server.hits('/b')[0]?.headers['x-d']).toBeUndefined();
  });

  it('reads an incoming deadline from node:http headers, a Request or Headers', () => {
    expect(readDeadline({ headers: { 'x-deadline-ms': '250' } })).toBe(250);
    expect(readDeadline({ headers: { 'x-deadline-ms': ['40', '50'] } })).toBe(40);
    expect(
      readDeadline(new Request('http://x.test/', { headers: { 'x-deadline-ms': '7.5' } })),
    ).toBe(7.5);
    expect(readDeadline(new Headers({ budget: '9' }), { header: 'Budget' })).toBe(9);
    expect(readDeadline({ headers: { 'x-deadline-ms': '12.125' } })).toBe(12.125);
    expect(readDeadline({ headers: { 'x-deadline-ms': String(2 ** 31 - 1) } })).toBe(2 ** 31 - 1);
    for (const bad of ['-1', 'soon', '', '1e3', String(2 ** 31)]) {
      expect(readDeadline({ headers: { 'x-deadline-ms': bad } })).toBeUndefined();
    }
    expect(readDeadline({ headers: {} })).toBeUndefined();
  });

  it('checks its arguments', () => {
    expect(() => runWithDeadline(-1, () => 1)).toThrow(
      new RangeError(
        '@dyno/fetch: option `ms` must be a duration in ms from 0 to 2147483647; received -1',
      ),
    );
    const noFn = () => runWithDeadline(1, 5 as never);
    expect(noFn).toThrow(TypeError);
    expect(noFn).toThrow('@dyno/fetch: `fn` must be a function; received 5');
    const noClock = () => runWithDeadline(1, () => 1, { clock: {} as never });
    expect(noClock).toThrow(TypeError);
    expect(noClock).toThrow(
      '@dyno/fetch: option `clock` must be a Clock (now, setTimeout, clearTimeout); received an object',
    );
    const headers = { headers: { 'x deadline': '5' } };
    expect(() => readDeadline(headers, { header: 'x deadline' })).toThrow(
      new RangeError('@dyno/fetch: option `header` must be a header name; received "x deadline"'),
    );
    expect(() => readDeadline(headers, { header: 5 as never })).toThrow(
      new TypeError('@dyno/fetch: option `header` must be a header name; received 5'),
    );
  });

  it('refuses options that are not an object, naming them, as its other arguments', () => {
    const source = { headers: { 'x-deadline-ms': '5' } };
    for (const [options, shown] of [
      [5, '5'],
      ['x-deadline-ms', '"x-deadline-ms"'],
      [null, 'null'],
      [[], 'an array'],
    ] as const) {
      const refused = new TypeError(`@dyno/fetch: options must be an object; received ${shown}`);
      expect(() => readDeadline(source, options as never)).toThrow(refused);
      expect(() => runWithDeadline(1, () => 1, options as never)).toThrow(refused);
    }
    expect(readDeadline(source, undefined)).toBe(5);
  });
});
