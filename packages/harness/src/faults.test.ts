// Fault sweep of @dyno/harness: wrapped functions that hang, throw or reject with non-errors,
// promises whose `then` calls back twice, and loggers, message functions, `random` and `onError`
// that throw or reject. The caller must always get exactly what `fn` threw or returned, nothing
// may be left unhandled, and a failing hook goes to `reportListenerError` under a named source.
import {
  listenerReports,
  NON_ERRORS,
  never,
  outcome,
  settledTurns,
  thrown,
} from '@dyno/core/testing';
import { ErrorCounts } from './error-counts.js';
import { harness } from './harness.js';

function recorder() {
  const calls: unknown[][] = [];
  return { calls, logger: { error: (...args: unknown[]) => void calls.push(args) } };
}

describe('@dyno/harness faults', () => {
  describe('a wrapped function that hangs', () => {
    it('returns its very promise, still pending, and logs and counts nothing', async () => {
      const { calls, logger } = recorder();
      const counts = new ErrorCounts();
      const onError = jest.fn();
      const pending = never<string>();
      const f = harness(() => pending, { logger, counts, onError, name: 'hang' });
      const returned = f();
      expect(returned).toBe(pending);
      await expect(outcome(returned)).resolves.toBe('pending');
      expect(calls).toEqual([]);
      expect(onError).not.toHaveBeenCalled();
      expect(counts.total).toBe(0);
    });
  });

  describe.each(NON_ERRORS)('a wrapped function that throws %s', (_, value) => {
    it('rethrows it synchronously, unchanged, after logging and counting it', () => {
      const { calls, logger } = recorder();
      const counts = new ErrorCounts();
      const f = harness(
        () => {
          throw value;
        },
        { logger, counts, name: 'odd' },
      );
      const result = thrown(() => f());
      expect(result).toEqual({ error: value });
      expect(result?.error).toBe(value);
      expect(calls).toEqual([['odd failed', { thrown: value }]]);
      expect(counts.get('odd')).toBe(1);
    });

    it('passes on the rejection unchanged, on the very same promise', async () => {
      const { calls, logger } = recorder();
      const onError = jest.fn();
      const rejected = Promise.reject(value);
      const f = harness(() => rejected, {
        logger,
        onError,
        name: 'odd',
        counts: new ErrorCounts(),
      });
      const returned = f();
      expect(returned).toBe(rejected);
      const result = await outcome(returned);
      expect(result).toEqual({ error: value });
      expect((result as { error: unknown }).error).toBe(value);
      expect(calls).toEqual([['odd failed', { thrown: value }]]);
      expect(onError).toHaveBeenCalledWith({ name: 'odd', error: value, count: 1, logged: true });
    });

    it('logs it object-first as { err, harness } unchanged', () => {
      const { calls, logger } = recorder();
      const f = harness(
        () => {
          throw value;
        },
        { logger, loggerStyle: 'object-first', name: 'odd', counts: new ErrorCounts() },
      );
      expect(thrown(() => f())?.error).toBe(value);
      expect(calls).toEqual([[{ err: value, harness: 'odd' }, 'odd failed']]);
      expect((calls[0] as [{ err: unknown }])[0].err).toBe(value);
    });
  });

  describe('a wrapped function that throws a revoked proxy', () => {
    it('logs it (as a non-Error) and rethrows the very same value', () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      const { calls, logger } = recorder();
      const f = harness(
        () => {
          throw proxy;
        },
        { name: 'f', logger, counts: new ErrorCounts() },
      );
      expect(thrown(() => f())?.error).toBe(proxy);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.[0]).toBe('f failed');
      const [, logged] = calls[0] as [string, { thrown: unknown }];
      expect(logged.thrown).toBe(proxy);
    });
  });

  describe('this, arguments and synchronous results', () => {
    it('passes this and the very argument objects through and keeps a sync result sync', () => {
      const arg = { id: 1 };
      const seen: unknown[] = [];
      const target = {
        run: harness(function (this: unknown, a: object, b: undefined) {
          seen.push(this, a, b);
          return a;
        }),
      };
      const result = target.run(arg, undefined);
      expect(result).toBe(arg);
      expect(result).not.toBeInstanceOf(Promise);
      expect(seen).toHaveLength(3);
      expect(seen[0]).toBe(target);
      expect(seen[1]).toBe(arg);
      expect(seen[2]).toBeUndefined();
    });

    it('returns a revoked proxy or an object whose then getter throws untouched, without throwing', () => {
      const { calls, logger } = recorder();
      const counts = new ErrorCounts();
      const { proxy: revoked, revoke } = Proxy.revocable({}, {});
      revoke();
      const strict = new Proxy(
        {},
        {
          get(_, key) {
            throw new Error(`unknown key ${String(key)}`);
          },
        },
      );
      for (const value of [revoked, strict]) {
        const f = harness(() => value, { logger, counts, name: 'strict' });
        let returned: unknown;
        expect(thrown(() => (returned = f()))).toBeUndefined();
        expect(returned === value).toBe(true); // not toBe: printing these proxies would throw
      }
      expect(calls).toEqual([]);
      expect(counts.total).toBe(0);
    });
  });

  describe('things that settle twice', () => {
    it('observes a Promise subclass whose own then calls back twice only once', async () => {
      const { calls, logger } = recorder();
      const counts = new ErrorCounts();
      class Twice<T> extends Promise<T> {
        override then<A = T, B = never>(
          ok?: ((value: T) => A | PromiseLike<A>) | null,
          fail?: ((reason: unknown) => B | PromiseLike<B>) | null,
        ): Promise<A | B> {
          const next = super.then(ok, fail);
          super.then(ok, fail); // a rogue subclass: every callback runs twice
          return next;
        }
      }
      const rejected = new Twice<never>((_, reject) => reject('twice'));
      const f = harness(() => rejected, { logger, counts, name: 'twice' });
      const returned = f();
      expect(returned).toBe(rejected);
      await expect(outcome(Promise.resolve().then(() => returned))).resolves.toEqual({
        error: 'twice',
      });
      expect(calls).toEqual([['twice failed', { thrown: 'twice' }]]);
      expect(counts.get('twice')).toBe(1);
    });

    it('leaves a thenable that calls back twice untouched, never calling its then', async () => {
      const { calls, logger } = recorder();
      const then = jest.fn((ok: (v: unknown) => void, fail: (e: unknown) => void) => {
        fail('first');
        ok('second');
        fail('third');
      });
      const rogue = { then };
      const f = harness(() => rogue, { logger, name: 'rogue', counts: new ErrorCounts() });
      expect(f()).toBe(rogue);
      expect(then).not.toHaveBeenCalled();
      await expect(outcome(Promise.resolve(f()))).resolves.toEqual({ error: 'first' });
      expect(calls).toEqual([]);
    });
  });

  describe('hooks that throw or reject', () => {
    const original = new Error('original');

    it.each(NON_ERRORS)(
      'a logger throwing %s never replaces the error, and is reported as the logger',
      async (_, failure) => {
        let caught: unknown;
        const reports = await listenerReports(() => {
          const f = harness(
            () => {
              throw original;
            },
            {
              name: 'job',
              counts: new ErrorCounts(),
              logger: {
                error: () => {
                  throw failure;
                },
              },
            },
          );
          caught = thrown(() => f());
        });
        expect(caught).toEqual({ error: original });
        expect(reports).toEqual([{ error: failure, source: '@dyno/harness logger of job' }]);
      },
    );

    it.each(NON_ERRORS)(
      'a logger rejecting with %s leaves nothing unhandled, and is reported as the logger',
      async (_, failure) => {
        let result: unknown;
        let reports: unknown[] = [];
        await settledTurns(async () => {
          reports = await listenerReports(async () => {
            const f = harness(() => Promise.reject(original), {
              name: 'job',
              counts: new ErrorCounts(),
              logger: { error: () => Promise.reject(failure) },
            });
            result = await outcome(f());
          });
        });
        expect(result).toEqual({ error: original });
        expect(reports).toEqual([{ error: failure, source: '@dyno/harness logger of job' }]);
      },
    );

    it.each(NON_ERRORS)(
      'an async onError rejecting with %s leaves nothing unhandled, and is reported as onError',
      async (_, failure) => {
        let caught: unknown;
        let reports: unknown[] = [];
        await settledTurns(async () => {
          reports = await listenerReports(() => {
            const f = harness(
              () => {
                throw original;
              },
              {
                name: 'job',
                counts: new ErrorCounts(),
                logger: recorder().logger,
                onError: async () => {
                  throw failure;
                },
              },
            );
            caught = thrown(() => f());
          });
        });
        expect(caught).toEqual({ error: original });
        expect(reports).toEqual([{ error: failure, source: '@dyno/harness onError of job' }]);
      },
    );

    it('a throwing message function or random never replaces the error, and onError still runs', async () => {
      const onError = jest.fn();
      const { calls, logger } = recorder();
      let results: unknown[] = [];
      const reports = await listenerReports(async () => {
        const byMessage = harness(() => Promise.reject(original), {
          name: 'message',
          counts: new ErrorCounts(),
          logger,
          onError,
          message: () => {
            throw 'no message';
          },
        });
        const byRandom = harness(() => Promise.reject(original), {
          name: 'random',
          counts: new ErrorCounts(),
          logger,
          onError,
          sample: 0.5,
          random: () => {
            throw undefined;
          },
        });
        results = [await outcome(byMessage()), await outcome(byRandom())];
      });
      expect(results).toEqual([{ error: original }, { error: original }]);
      expect(calls).toEqual([]);
      expect(onError).toHaveBeenCalledTimes(2);
      expect(reports).toEqual([
        { error: 'no message', source: '@dyno/harness logger of message' },
        { error: undefined, source: '@dyno/harness logger of random' },
      ]);
    });

    it('a throwing onError on a rejection leaves nothing unhandled and the rejection unchanged', async () => {
      let result: unknown;
      let reports: unknown[] = [];
      await settledTurns(async () => {
        reports = await listenerReports(async () => {
          const f = harness(() => Promise.reject(undefined), {
            name: 'job',
            counts: new ErrorCounts(),
            logger: recorder().logger,
            onError: () => {
              throw null;
            },
          });
          result = await outcome(f());
        });
      });
      expect(result).toEqual({ error: undefined });
      expect(reports).toEqual([{ error: null, source: '@dyno/harness onError of job' }]);
    });
  });
});
