import { format } from '@dyno/core';
import { rejectionOf } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { Fuse } from './fuse.js';

// Per-call options of the wrong kind were ignored (`execute(fn, 5)` resolved), and a getter that
// throws threw out of `execute` instead of rejecting its promise.

const BAD = [5, 'x', null, [], true];
const message = (options: unknown) =>
  `@dyno/breaker: options must be an object; received ${format(options)}`;
const boom = new Error('boom');
const throwing = {
  get signal(): AbortSignal {
    throw boom;
  },
};

describe.each([
  ['CircuitBreaker', () => new CircuitBreaker()],
  ['Fuse', () => new Fuse()],
])('%s.execute options', (_, make) => {
  it.each(BAD)('refuses %p with a rejected TypeError naming options', async (options) => {
    const fn = jest.fn(() => 1);
    const error = await rejectionOf(() => make().execute(fn, options as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(message(options));
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects with what a getter of the options threw, never throws out of execute', async () => {
    await expect(rejectionOf(() => make().execute(() => 1, throwing))).resolves.toBe(boom);
  });

  it('refuses an aborted AbortSignal passed in place of { signal }, running nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = jest.fn(() => 1);
    const error = await rejectionOf(() => make().execute(fn, controller.signal as never));
    expect(error).toEqual(
      new TypeError(
        '@dyno/breaker: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('takes undefined and an empty object as no options', async () => {
    await expect(make().execute(() => 1, undefined)).resolves.toBe(1);
    await expect(make().execute(() => 1, {})).resolves.toBe(1);
  });
});

describe('CircuitBreaker options of a refused call', () => {
  it('count nothing, whatever the circuit state', async () => {
    const breaker = new CircuitBreaker();
    breaker.isolate();
    const error = await rejectionOf(() => breaker.execute(() => 1, 5 as never));
    expect(error).toBeInstanceOf(TypeError);
    breaker.reset();
    expect(breaker.snapshot()).toEqual(new CircuitBreaker().snapshot());
  });
});

describe('CircuitBreaker.acquire options', () => {
  it.each(BAD)('refuses %p with a TypeError naming options, taking no permit', (options) => {
    const breaker = new CircuitBreaker();
    expect(() => breaker.acquire(options as never)).toThrow(new TypeError(message(options)));
  });

  it('throws what a getter of the options threw', () => {
    expect(() => new CircuitBreaker().acquire(throwing)).toThrow(boom);
  });
});
