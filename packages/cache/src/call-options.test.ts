import { format } from '@dyno/core';
import { rejectionOf } from '@dyno/core/testing';
import { Cache } from './cache.js';

// Per-call options of the wrong kind were ignored (`get(key, loader, 5)` resolved, `null` threw a
// "Cannot read properties of null"), and a getter that throws threw out of `get`.

const BAD = [5, 'x', null, [], true];
const message = (options: unknown) =>
  `@dyno/cache: options must be an object; received ${format(options)}`;

describe('Cache.get options', () => {
  it.each(BAD)(
    'refuse %p with a rejected TypeError naming options, loading nothing',
    async (options) => {
      const cache = new Cache<number>();
      const loader = jest.fn(() => 1);
      const error = await rejectionOf(() => cache.get('k', loader, options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(message(options));
      expect(loader).not.toHaveBeenCalled();
      // also on a hit
      await cache.set('k', 2);
      await expect(
        rejectionOf(() => cache.get('k', loader, options as never)),
      ).resolves.toBeInstanceOf(TypeError);
    },
  );

  it('rejects with what a getter of the options threw, never throws out of get', async () => {
    const boom = new Error('boom');
    const cache = new Cache<number>();
    const signal = {
      get signal(): AbortSignal {
        throw boom;
      },
    };
    const forceRefresh = {
      get forceRefresh(): boolean {
        throw boom;
      },
    };
    await expect(rejectionOf(() => cache.get('k', () => 1, signal))).resolves.toBe(boom);
    await expect(rejectionOf(() => cache.get('k', () => 1, forceRefresh))).resolves.toBe(boom);
  });

  it('refuses an aborted AbortSignal passed in place of { signal }, loading nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const loader = jest.fn(() => 1);
    const error = await rejectionOf(() =>
      new Cache<number>().get('k', loader, controller.signal as never),
    );
    expect(error).toEqual(
      new TypeError(
        '@dyno/cache: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
    expect(loader).not.toHaveBeenCalled();
  });

  it('refuses an aborted look-alike signal as no signal, with a TypeError rather than an abort', async () => {
    const loader = jest.fn(() => 1);
    const signal = { aborted: true, reason: new Error('gone') };
    const error = await rejectionOf(() =>
      new Cache<number>().get('k', loader, { signal } as never),
    );
    expect(error).toEqual(
      new TypeError('@dyno/cache: `signal` must be an AbortSignal; received an object'),
    );
    expect(loader).not.toHaveBeenCalled();
  });

  it.each(['x', null, { aborted: false }])(
    'refuses a signal %p on a miss before the load runs',
    async (signal) => {
      const cache = new Cache<number>();
      const loader = jest.fn(() => 1);
      const error = await rejectionOf(() => cache.get('k', loader, { signal } as never));
      expect(error).toEqual(
        new TypeError(`@dyno/cache: \`signal\` must be an AbortSignal; received ${format(signal)}`),
      );
      // nothing loaded for nobody, nothing stored
      expect(loader).not.toHaveBeenCalled();
      await expect(cache.peek('k')).resolves.toBeUndefined();
    },
  );

  it('serves a hit and a load with options as without', async () => {
    const cache = new Cache<number>();
    const { signal } = new AbortController();
    await expect(cache.get('k', () => 1, { signal })).resolves.toBe(1);
    await expect(cache.get('k', () => 2, {})).resolves.toBe(1);
    await expect(cache.get('k', () => 3, { forceRefresh: true })).resolves.toBe(3);
    await expect(cache.get('k', () => 4, undefined)).resolves.toBe(3);
  });
});

describe('Cache.set options', () => {
  it.each(BAD)(
    'refuse %p with a rejected TypeError naming options, writing nothing',
    async (options) => {
      const cache = new Cache<number>();
      const error = await rejectionOf(() => cache.set('k', 1, options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(message(options));
      await expect(cache.peek('k')).resolves.toBeUndefined();
    },
  );
});

describe('Cache.set values', () => {
  it('regression: refuses a thenable, which every hit would call again (two hits, two values)', async () => {
    let calls = 0;
    const counter = {
      then(resolve: (v: number) => void) {
        resolve(++calls);
      },
    };
    const cache = new Cache<unknown>();
    const error = await rejectionOf(() => cache.set('k', counter));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      '@dyno/cache: `value` must not be a promise or thenable (a hit would call its `then`); await it first',
    );
    expect(calls).toBe(0);
    await expect(cache.peek('k')).resolves.toBeUndefined();
    await expect(rejectionOf(() => cache.set('k', Promise.resolve(1)))).resolves.toBeInstanceOf(
      TypeError,
    );
  });
});
