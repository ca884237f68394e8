import { format } from '@dyno/core';
import { rejectionOf } from '@dyno/core/testing';
import { Chaos } from './chaos.js';

// Per-call options of the wrong kind were ignored (`execute(fn, 5)` resolved), a getter that
// throws threw out of `execute`, and a `signal` of the wrong kind reached `fn` as its signal.

const boom = new Error('boom');

describe('Chaos.execute options', () => {
  it.each([5, 'x', null, [], true])(
    'refuses %p with a rejected TypeError naming options',
    async (options) => {
      const fn = jest.fn(() => 1);
      const error = await rejectionOf(() => new Chaos().execute(fn, options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        `@dyno/chaos: options must be an object; received ${format(options)}`,
      );
      expect(fn).not.toHaveBeenCalled();
    },
  );

  it('rejects with what a getter of the options threw, never throws out of execute', async () => {
    const throwing = {
      get signal(): AbortSignal {
        throw boom;
      },
    };
    await expect(rejectionOf(() => new Chaos().execute(() => 1, throwing))).resolves.toBe(boom);
  });

  it.each([
    ['no fault', {}],
    ['a latency fault', { latency: { rate: 1, ms: 1 } }],
    ['an abort fault', { abort: { rate: 1 } }],
  ])('refuses a signal that is not an AbortSignal under %s, naming it', async (_, options) => {
    const fn = jest.fn(() => 1);
    const chaos = new Chaos(options);
    for (const signal of ['x', null, { aborted: false }]) {
      const error = await rejectionOf(() => chaos.execute(fn, { signal: signal as never }));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        `@dyno/chaos: option \`signal\` must be an AbortSignal; received ${format(signal)}`,
      );
    }
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses an aborted AbortSignal passed in place of { signal }, running nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const fn = jest.fn(() => 1);
    const error = await rejectionOf(() => new Chaos().execute(fn, controller.signal as never));
    expect(error).toEqual(
      new TypeError(
        '@dyno/chaos: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('takes undefined and an empty object as no options', async () => {
    await expect(new Chaos().execute(() => 1, undefined)).resolves.toBe(1);
    await expect(new Chaos().execute(() => 1, {})).resolves.toBe(1);
  });
});
