import { type ExecuteContext, format } from '@dyno/core';
import { rejectionOf } from '@dyno/core/testing';
import { Pool } from './pool.js';
import { RateLimiter } from './rate-limiter.js';
import { Timeout } from './timeout.js';

// Per-call options of the wrong kind were ignored (`execute(fn, 5)` resolved), and a getter that
// throws threw out of `execute` instead of rejecting its promise.

const BAD = [5, 'x', null, [], true];
const message = (options: unknown) =>
  `@dyno/pool: options must be an object; received ${format(options)}`;
const boom = new Error('boom');
const throwing = {
  get signal(): AbortSignal {
    throw boom;
  },
};
type Call = (fn: (context: ExecuteContext) => unknown, options: unknown) => Promise<unknown>;
const calls: [string, () => Call][] = [
  [
    'Pool.execute',
    () => {
      const p = new Pool();
      return (fn, o) => p.execute(fn, o as never);
    },
  ],
  [
    'Pool.all',
    () => {
      const p = new Pool();
      return (fn, o) => p.all([fn], o as never);
    },
  ],
  [
    'Timeout.execute',
    () => {
      const t = new Timeout();
      return (fn, o) => t.execute(fn, o as never);
    },
  ],
  [
    'RateLimiter.execute',
    () => {
      const r = new RateLimiter();
      return (fn, o) => r.execute(fn, o as never);
    },
  ],
  [
    'RateLimiter.acquire',
    () => {
      const r = new RateLimiter();
      return (fn, o) =>
        r.acquire(o as never).then(() => fn({ signal: new AbortController().signal }));
    },
  ],
];

describe.each(calls)('%s options', (_, make) => {
  it.each(BAD)('refuses %p with a rejected TypeError naming options', async (options) => {
    const fn = jest.fn(() => 1);
    const error = await rejectionOf(() => make()(fn, options));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(message(options));
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects with what a getter of the options threw, never throws', async () => {
    const fn = jest.fn(() => 1);
    const outcome = await rejectionOf(() => make()(fn, throwing));
    expect(outcome).toBe(boom);
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses an aborted AbortSignal passed in place of { signal }, running nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = jest.fn(() => 1);
    const error = await rejectionOf(() => make()(fn, controller.signal));
    expect(error).toEqual(
      new TypeError(
        '@dyno/pool: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('takes undefined and an empty object as no options', async () => {
    await expect(rejectionOf(() => make()(() => 1, undefined))).resolves.not.toBeInstanceOf(Error);
    await expect(rejectionOf(() => make()(() => 1, {}))).resolves.not.toBeInstanceOf(Error);
  });
});

describe('Pool.execute options refused', () => {
  it('take no slot and no place in the queue', async () => {
    const pool = new Pool({ concurrency: 1, queue: 0 });
    await expect(pool.execute(() => 1, 5 as never)).rejects.toThrow(TypeError);
    expect(pool.active).toBe(0);
    await expect(pool.execute(() => 2)).resolves.toBe(2);
  });
});

describe('Pool.all options', () => {
  it('are read once for every task', async () => {
    let reads = 0;
    const options = {
      get timeout(): false {
        reads++;
        return false;
      },
    };
    const pool = new Pool({ concurrency: 2 });
    await expect(pool.all([() => 1, () => 2, () => 3], options)).resolves.toHaveLength(3);
    expect(reads).toBe(1);
  });
});
