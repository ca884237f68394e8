// Fault sweep of @dyno/aspect: advertised functions and filters that hang, throw or reject with
// non-errors (synchronously or not), thenables that call back twice or throw after calling back,
// and Disposables disposed twice. What `fn` or a filter throws must reach the caller exactly as
// thrown, a sync join point must stay sync, and nothing may be left unhandled.
import { NON_ERRORS, never, outcome, settledTurns, thrown } from '@dyno/core/testing';
import { advertise } from './advertise.js';
import { FilterResultError } from './errors.js';
import { AspectRegistry } from './registry.js';

/** A thenable that fulfils with `first`, then calls back again, then throws. */
function rogueThenable<T>(first: T, second: T): PromiseLike<T> {
  return {
    then(ok?: ((value: T) => unknown) | null, fail?: ((reason: unknown) => unknown) | null) {
      ok?.(first);
      ok?.(second);
      fail?.('late failure');
      throw 'thrown after calling back';
    },
  } as PromiseLike<T>;
}

/** Every filter kind, each passing its input through, so that every path of a call runs. */
function passThrough(registry: AspectRegistry, name: string) {
  const after = jest.fn((r: unknown) => r);
  registry.before(name, (args) => args);
  registry.around(name, (proceed, args) => proceed(args));
  registry.after(name, after);
  return { after };
}

describe('@dyno/aspect faults', () => {
  describe('a function or filter that hangs', () => {
    it('leaves the call pending without running the after filters, and later calls unaffected', async () => {
      const registry = new AspectRegistry();
      let hang = true;
      const wrapped = advertise('f', (x: number) => (hang ? never<number>() : Promise.resolve(x)), {
        registry,
      });
      const { after } = passThrough(registry, 'f');
      const pending = wrapped(1);
      await expect(outcome(pending)).resolves.toBe('pending');
      expect(after).not.toHaveBeenCalled();
      hang = false;
      await expect(outcome(wrapped(2))).resolves.toEqual({ value: 2 });
      expect(after).toHaveBeenCalledTimes(1);
    });

    it('does not start fn while an async before filter hangs, and its removal frees later calls', async () => {
      const registry = new AspectRegistry();
      const fn = jest.fn((x: number) => x);
      const wrapped = advertise('f', fn, { registry, async: true });
      const stuck = registry.before('f', () => never<unknown[]>());
      const pending = wrapped(1);
      await expect(outcome(pending)).resolves.toBe('pending');
      expect(fn).not.toHaveBeenCalled();
      stuck.dispose();
      await expect(outcome(wrapped(2))).resolves.toEqual({ value: 2 });
      await expect(outcome(pending)).resolves.toBe('pending');
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('stays pending when an around filter never calls proceed and never settles', async () => {
      const registry = new AspectRegistry();
      const fn = jest.fn((x: number) => x);
      const wrapped = advertise('f', fn, { registry, async: true });
      registry.around('f', () => never());
      await expect(outcome(wrapped(1))).resolves.toBe('pending');
      expect(fn).not.toHaveBeenCalled();
    });
  });

  describe.each(NON_ERRORS)('%s thrown or rejected', (_, value) => {
    const fail = (): never => {
      throw value;
    };

    it('reaches the caller of a sync join point as thrown by fn, with or without filters', () => {
      const registry = new AspectRegistry();
      const bare = advertise('bare', fail, { registry });
      const wrapped = advertise('f', fail, { registry });
      const { after } = passThrough(registry, 'f');
      for (const call of [() => bare(), () => wrapped()]) {
        const result = thrown(call);
        expect(result).toEqual({ error: value });
        expect(result?.error).toBe(value);
      }
      expect(after).not.toHaveBeenCalled();
    });

    it.each(['before', 'around', 'after'] as const)(
      'reaches the caller of a sync join point as thrown by a %s filter',
      (kind) => {
        const registry = new AspectRegistry();
        const fn = jest.fn(() => 1);
        const wrapped = advertise('f', fn, { registry });
        if (kind === 'before') registry.before('f', fail);
        if (kind === 'around') registry.around('f', fail);
        if (kind === 'after') registry.after('f', fail);
        const later = jest.fn((r: unknown) => r);
        registry.after('f', later);
        const result = thrown(() => wrapped());
        expect(result).toEqual({ error: value });
        expect(result?.error).toBe(value);
        expect(later).not.toHaveBeenCalled();
        expect(fn).toHaveBeenCalledTimes(kind === 'after' ? 1 : 0);
      },
    );

    it('becomes the rejection of an async join point, thrown or rejected, by fn or a filter', async () => {
      const registry = new AspectRegistry();
      const throwing = advertise('throwing', fail, { registry, async: true });
      const rejecting = advertise('rejecting', () => Promise.reject(value), {
        registry,
        async: true,
      });
      const filtered = advertise('filtered', () => 1, { registry, async: true });
      registry.before('filtered', async (args) => args);
      registry.after('filtered', async () => Promise.reject(value));
      const sync = advertise('sync-fn', () => Promise.reject(value), { registry });
      registry.after('sync-fn', (r) => r);
      for (const call of [throwing, rejecting, filtered, sync]) {
        const result = await outcome(call());
        expect(result).toEqual({ error: value });
        expect((result as { error: unknown }).error).toBe(value);
      }
    });

    it('leaves no unhandled rejection when a sync join point refuses a rejected promise', async () => {
      const registry = new AspectRegistry();
      const wrapped = advertise('f', (x: number) => x, { registry });
      const sub = registry.before('f', () => Promise.reject(value) as never);
      let result: unknown;
      await settledTurns(() => {
        result = thrown(() => wrapped(1));
        sub.dispose();
        registry.after('f', () => Promise.reject(value) as never);
        thrown(() => wrapped(1));
        registry.clear('f');
        registry.around('f', (proceed, args) => Promise.reject(proceed(args)) as never);
        thrown(() => wrapped(1));
      });
      expect(FilterResultError.isInstance((result as { error: unknown }).error)).toBe(true);
    });
  });

  describe('things that settle twice', () => {
    it('adopts only the first callback of a thenable returned by fn, at an async join point', async () => {
      const registry = new AspectRegistry();
      const after = jest.fn((r: number) => r * 10);
      const wrapped = advertise('f', () => rogueThenable(1, 2), { registry, async: true });
      await expect(outcome(wrapped())).resolves.toEqual({ value: 1 });
      registry.after('f', after);
      await expect(outcome(wrapped())).resolves.toEqual({ value: 10 });
      expect(after).toHaveBeenCalledTimes(1);
    });

    it('runs the after filters once for a rogue thenable of a sync join point', async () => {
      const registry = new AspectRegistry();
      const after = jest.fn((r: number) => r + 1);
      const wrapped = advertise('f', () => rogueThenable(1, 2), { registry });
      registry.after<number>('f', after);
      await expect(outcome(Promise.resolve(wrapped()))).resolves.toEqual({ value: 2 });
      expect(after).toHaveBeenCalledTimes(1);
      expect(after).toHaveBeenCalledWith(1, expect.anything());
    });

    it('calls fn once when an async before filter returns a thenable that calls back twice', async () => {
      const registry = new AspectRegistry();
      const fn = jest.fn((x: number) => x);
      const wrapped = advertise('f', fn, { registry, async: true });
      registry.before<[number]>('f', () => rogueThenable<[number]>([1], [2]));
      await expect(outcome(wrapped(0))).resolves.toEqual({ value: 1 });
      expect(fn).toHaveBeenCalledTimes(1);
      expect(fn).toHaveBeenCalledWith(1);
    });

    it('removes one registration only, however often its Disposable is disposed', () => {
      const registry = new AspectRegistry();
      const wrapped = advertise('f', (x: number) => x, { registry });
      const double = (r: number) => r * 2;
      const first = registry.after<number>('f', double);
      registry.after<number>('f', double);
      first.dispose();
      first.dispose();
      expect(registry.pipeline('f').after).toEqual([double]);
      expect(wrapped(1)).toBe(2);
    });
  });

  describe('a filter that hands on a revoked proxy as the arguments', () => {
    it('is refused with a FilterResultError, not a TypeError', () => {
      const { proxy, revoke } = Proxy.revocable([], {});
      revoke();
      const registry = new AspectRegistry();
      const f = advertise('f', (a: number) => a, { registry });
      const before = f.before(() => proxy as never);
      expect(thrown(() => f(1))?.error).toBeInstanceOf(FilterResultError);
      before.dispose();
      f.around((proceed) => proceed(proxy as never));
      expect(thrown(() => f(1))?.error).toBeInstanceOf(FilterResultError);
    });
  });

  describe('this and arguments', () => {
    it('returns a value whose then cannot be read through every filter, untouched', () => {
      const registry = new AspectRegistry();
      const { proxy: revoked, revoke } = Proxy.revocable({}, {});
      revoke();
      const wrapped = advertise('f', () => revoked, { registry });
      const { after } = passThrough(registry, 'f');
      let returned: unknown;
      expect(thrown(() => (returned = wrapped()))).toBeUndefined();
      expect(returned === revoked).toBe(true); // not toBe: printing a revoked proxy throws
      expect(after).toHaveBeenCalledTimes(1);
    });

    it('passes this and the very argument objects to fn and every filter, and stays sync', () => {
      const registry = new AspectRegistry();
      const arg = { id: 1 };
      const seen: unknown[] = [];
      const target = {
        run: advertise(
          'run',
          function (this: unknown, a: object, b?: undefined) {
            seen.push(['fn', this, a, b]);
            return a;
          },
          { registry },
        ),
      };
      registry.before('run', (args, { thisArg }) => {
        seen.push(['before', thisArg, ...args]);
        return args;
      });
      registry.around('run', (proceed, args, { thisArg }) => {
        seen.push(['around', thisArg, ...args]);
        return proceed(args);
      });
      registry.after('run', (result, { thisArg, args }) => {
        seen.push(['after', thisArg, ...args]);
        return result;
      });
      const result = target.run(arg, undefined);
      expect(result).toBe(arg);
      expect(result).not.toBeInstanceOf(Promise);
      expect(seen).toHaveLength(4);
      for (const entry of seen as unknown[][]) {
        expect(entry[1]).toBe(target);
        expect(entry[2]).toBe(arg);
        expect(entry).toHaveLength(4);
      }
    });
  });
});
