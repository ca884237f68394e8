import { format } from '@dyno/core';
import { rejectionOf } from '@dyno/core/testing';
import { hedge } from './hedge.js';
import { Hedge } from './hedge-policy.js';

// Per-call options of the wrong kind were ignored (`execute(fn, 5)` resolved), and a getter that
// throws threw out of `execute` instead of rejecting its promise.

describe('Hedge.execute options', () => {
  it.each([5, 'x', null, [], true])(
    'refuses %p with a rejected TypeError naming options',
    async (options) => {
      const fn = jest.fn(() => 1);
      const hedge = new Hedge({ budget: false });
      const error = await rejectionOf(() => hedge.execute(fn, options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        `@dyno/hedge: options must be an object; received ${format(options)}`,
      );
      expect(fn).not.toHaveBeenCalled();
      expect(hedge.counts.calls).toBe(0);
    },
  );

  it('rejects with what a getter of the options threw, never throws out of execute', async () => {
    const boom = new Error('boom');
    const throwing = {
      get signal(): AbortSignal {
        throw boom;
      },
    };
    await expect(rejectionOf(() => new Hedge().execute(() => 1, throwing))).resolves.toBe(boom);
  });

  it('refuses an aborted AbortSignal passed in place of { signal }, running nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = jest.fn(() => 1);
    const error = await rejectionOf(() => new Hedge().execute(fn, controller.signal as never));
    expect(error).toEqual(
      new TypeError(
        '@dyno/hedge: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('takes undefined and an empty object as no options', async () => {
    await expect(new Hedge().execute(() => 1, undefined)).resolves.toBe(1);
    await expect(new Hedge().execute(() => 1, {})).resolves.toBe(1);
  });
});

describe('hedge() options', () => {
  it('refuse an AbortSignal passed in place of { signal }, naming options', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => hedge(() => 1, controller.signal as never)).toThrow(
      new TypeError(
        '@dyno/hedge: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
  });
});
