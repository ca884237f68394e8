import { format } from '@dyno/core';
import { retry } from './retry.js';
import { Retry } from './retry-policy.js';

// Per-call options of the wrong kind were ignored (`execute(fn, 5)` resolved), and a getter that
// throws threw out of `execute` instead of rejecting its promise.

const call = (options: unknown): { result: Promise<unknown>; fn: jest.Mock } => {
  const fn = jest.fn(() => 1);
  return { result: new Retry().execute(fn, options as never), fn };
};

describe('Retry.execute options', () => {
  it.each([5, 'x', null, [], true])(
    'refuses %p with a rejected TypeError naming options',
    async (options) => {
      const { result, fn } = call(options);
      const error = await result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        `@dyno/retry: options must be an object; received ${format(options)}`,
      );
      expect(fn).not.toHaveBeenCalled();
    },
  );

  it('rejects with what a getter of the options threw, never throws out of execute', async () => {
    const boom = new Error('boom');
    const { result, fn } = call({
      get signal(): AbortSignal {
        throw boom;
      },
    });
    await expect(result).rejects.toBe(boom);
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses an aborted AbortSignal passed in place of { signal }, running nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, fn } = call(controller.signal);
    await expect(result).rejects.toThrow(
      new TypeError(
        '@dyno/retry: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
      ),
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('takes undefined and an empty object as no options', async () => {
    await expect(call(undefined).result).resolves.toBe(1);
    await expect(call({}).result).resolves.toBe(1);
  });
});

describe('retry() and retry.run() options', () => {
  it('refuse an AbortSignal passed in place of { signal }, naming options', () => {
    const controller = new AbortController();
    controller.abort();
    const refused = new TypeError(
      '@dyno/retry: options must be an object; received an AbortSignal (pass it as `{ signal }`)',
    );
    expect(() => retry(() => 1, controller.signal as never)).toThrow(refused);
    expect(() => retry.run(() => 1, controller.signal as never)).toThrow(refused);
  });
});
