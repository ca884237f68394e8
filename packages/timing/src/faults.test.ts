// Fault sweep of @dyno/timing: timed functions that hang, throw or reject with non-errors,
// intervals stopped twice (by `timed` and by the function it times), thenables that call back
// twice, and a clock that throws. Timing observes the work it times: it must hand the work's
// value or error on unchanged, keep a sync result sync, and never grow the tree by reading it.
import {
  FailingClock,
  listenerReports,
  NON_ERRORS,
  never,
  OddClock,
  outcome,
  thrown,
} from '@dyno/core/testing';
import { TimerStateError } from './errors.js';
import { PerfTimer } from './perf-timer.js';
import { currentTimer, timed, withTimer } from './request-scope.js';

function setup() {
  const clock = new FailingClock();
  const root = new PerfTimer('request', { clock, epoch: 0 }).start();
  return { clock, root };
}

function only(root: PerfTimer): PerfTimer {
  expect(root.children).toHaveLength(1);
  return root.children[0] as PerfTimer;
}

describe('@dyno/timing faults', () => {
  describe('a timed function that hangs', () => {
    it('stays pending, its interval running and measured to now, and reading never grows the tree', async () => {
      const { clock, root } = setup();
      const pending = withTimer(root, () => timed('db', () => never<number>()));
      await expect(outcome(pending)).resolves.toBe('pending');
      await clock.advance(50);
      const db = only(root);
      expect(db.state).toBe('running');
      expect(db.duration).toBe(50);
      root.stop();
      for (let i = 0; i < 3; i++) {
        expect(root.serverTiming()).toBe('request;dur=50, db;dur=50');
        root.timeline();
        JSON.stringify(root);
      }
      expect(root.size).toBe(2);
      expect(clock.pending).toBe(0);
      await expect(outcome(pending)).resolves.toBe('pending');
      expect(currentTimer()).toBeUndefined();
    });
  });

  describe.each(NON_ERRORS)('%s thrown or rejected by the timed function', (_, value) => {
    it('is rethrown synchronously and unchanged, the interval stopped', () => {
      const { root } = setup();
      const result = withTimer(root, () =>
        thrown(() =>
          timed('work', () => {
            throw value;
          }),
        ),
      );
      expect(result).toEqual({ error: value });
      expect(result?.error).toBe(value);
      expect(only(root).state).toBe('stopped');
    });

    it('is the rejection, unchanged, the interval stopped at the rejection', async () => {
      const { clock, root } = setup();
      const promise = withTimer(root, () =>
        timed(
          'work',
          () =>
            new Promise((_resolve, reject) => {
              clock.setTimeout(() => reject(value), 7);
            }),
        ),
      );
      await clock.advance(7);
      const result = await outcome(promise);
      expect(result).toEqual({ error: value });
      expect((result as { error: unknown }).error).toBe(value);
      expect([only(root).state, only(root).duration]).toEqual(['stopped', 7]);
    });

    it('passes out of withTimer unchanged, leaving no current timer', () => {
      const { root } = setup();
      const result = thrown(() =>
        withTimer(root, () => {
          throw value;
        }),
      );
      expect(result).toEqual({ error: value });
      expect(result?.error).toBe(value);
      expect(currentTimer()).toBeUndefined();
    });

    it('is passed on unchanged when the function stopped its own interval first', async () => {
      const { root } = setup();
      const result = withTimer(root, () =>
        thrown(() =>
          timed('self', (interval) => {
            interval?.stop();
            throw value;
          }),
        ),
      );
      expect(result).toEqual({ error: value });
      const rejected = await outcome(
        withTimer(root, () =>
          timed('self async', async (interval) => {
            interval?.stop();
            throw value;
          }),
        ),
      );
      expect(rejected).toEqual({ error: value });
      expect((rejected as { error: unknown }).error).toBe(value);
    });
  });

  describe('things that settle or stop twice', () => {
    it('refuses a second stop, keeping the first end time; disposing twice does nothing', async () => {
      const { clock, root } = setup();
      const db = root.time('db');
      await clock.advance(3);
      db.stop();
      await clock.advance(4);
      const again = thrown(() => db.stop());
      expect(TimerStateError.isInstance(again?.error)).toBe(true);
      db[Symbol.dispose]();
      db[Symbol.dispose]();
      expect([db.endTime, db.duration, db.state]).toEqual([3, 3, 'stopped']);
      expect(thrown(() => db.start())).toBeDefined();
      expect(db.startTime).toBe(0);
    });

    it('keeps the end time the timed function stopped its interval at', async () => {
      const { clock, root } = setup();
      const result = withTimer(root, () =>
        timed('early', async (interval) => {
          clock.setTimeout(() => interval?.stop(), 2);
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
          return 'done';
        }),
      );
      await clock.advance(5);
      await expect(outcome(result)).resolves.toEqual({ value: 'done' });
      expect(only(root).endTime).toBe(2);
    });

    it('returns a thenable that calls back twice untouched, its interval stopped once', async () => {
      const { clock, root } = setup();
      const then = jest.fn((ok: (v: unknown) => void, fail: (e: unknown) => void) => {
        ok('first');
        ok('second');
        fail('third');
      });
      const rogue = { then };
      const returned = withTimer(root, () => timed('rogue', () => rogue));
      expect(returned).toBe(rogue);
      expect(then).not.toHaveBeenCalled();
      const interval = only(root);
      expect(interval.state).toBe('stopped');
      await clock.advance(1);
      await expect(outcome(Promise.resolve(returned))).resolves.toEqual({ value: 'first' });
      expect(interval.endTime).toBe(0);
    });

    it('stops once for a Promise subclass whose own then calls back twice', async () => {
      class Twice<T> extends Promise<T> {
        override then<A = T, B = never>(
          ok?: ((value: T) => A | PromiseLike<A>) | null,
          fail?: ((reason: unknown) => B | PromiseLike<B>) | null,
        ): Promise<A | B> {
          const next = super.then(ok, fail);
          super.then(ok, fail);
          return next;
        }
      }
      const { root } = setup();
      const result = withTimer(root, () => timed('twice', () => Twice.resolve(4)));
      await expect(outcome(Promise.resolve().then(() => result))).resolves.toEqual({ value: 4 });
      expect(only(root).state).toBe('stopped');
    });
  });

  describe('this, arguments and synchronous results', () => {
    it('keeps a sync result sync and the very value, and hands fn its interval', () => {
      const { root } = setup();
      const value = { rows: [] };
      let given: unknown;
      const result = withTimer(root, () =>
        timed('sync', (interval) => {
          given = interval;
          return value;
        }),
      );
      expect(result).toBe(value);
      expect(given).toBe(only(root));
      const promise = Promise.resolve(1);
      expect(withTimer(root, () => promise)).toBe(promise);
    });
  });

  describe('a promise whose class cannot make another', () => {
    it('is handed back as it is, and the interval stopped', () => {
      const { root } = setup();
      class Hostile<T> extends Promise<T> {
        static override get [Symbol.species](): PromiseConstructor {
          throw new Error('species');
        }
      }
      const promise = Hostile.resolve(5);
      const result = withTimer(root, () => timed('odd', () => promise));
      // compared by hand: jest's matchers would call `then`, which the species getter breaks
      expect(result === promise).toBe(true);
      expect(only(root).state).toBe('stopped');
    });
  });

  describe('a revoked proxy as the result', () => {
    it('is handed back as it is, and the interval stopped', () => {
      const { root } = setup();
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      expect(withTimer(root, () => timed('odd', () => proxy))).toBe(proxy);
      expect(only(root).state).toBe('stopped');
    });
  });

  describe('a clock that throws', () => {
    it('at the start still runs the timed function, reports the failure and leaves the interval idle', async () => {
      const { clock, root } = setup();
      let result: unknown;
      const reports = await listenerReports(async () => {
        clock.failing = true;
        result = withTimer(root, () => timed('db', (interval) => interval?.state ?? 'none'));
        clock.failing = false;
      });
      expect(result).toBe('idle');
      expect(only(root).state).toBe('idle');
      expect(reports).toEqual([{ error: 'clock broken', source: '@dyno/timing clock' }]);
    });

    it.each(NON_ERRORS)(
      'never replaces the error of the timed function (a clock throwing %s at the stop)',
      async (_, failure) => {
        const { clock, root } = setup();
        const original = new Error('original');
        let syncResult: unknown;
        let asyncResult: unknown;
        const reports = await listenerReports(async () => {
          syncResult = withTimer(root, () =>
            thrown(() =>
              timed('sync', () => {
                clock.failure = failure;
                clock.failing = true;
                throw original;
              }),
            ),
          );
          clock.failing = false;
          const promise = withTimer(root, () =>
            timed('async', async () => {
              await Promise.resolve();
              clock.failing = true;
              throw original;
            }),
          );
          asyncResult = await outcome(promise);
          clock.failing = false;
        });
        expect(syncResult).toEqual({ error: original });
        expect(asyncResult).toEqual({ error: original });
        expect(reports).toEqual([
          { error: failure, source: '@dyno/timing clock' },
          { error: failure, source: '@dyno/timing clock' },
        ]);
      },
    );

    it('never replaces the value of the timed function, sync or async', async () => {
      const { clock, root } = setup();
      let results: unknown[] = [];
      const reports = await listenerReports(async () => {
        const sync = thrown(() =>
          withTimer(root, () =>
            timed('sync', () => {
              clock.failing = true;
              return 1;
            }),
          ),
        );
        clock.failing = false;
        const promise = withTimer(root, () =>
          timed('async', async () => {
            await Promise.resolve();
            clock.failing = true;
            return 2;
          }),
        );
        results = [sync, await outcome(promise)];
        clock.failing = false;
      });
      expect(results).toEqual([undefined, { value: 2 }]);
      expect(root.children.map((c) => (c as PerfTimer).state)).toEqual(['running', 'running']);
      expect(reports.map((r) => r.source)).toEqual(['@dyno/timing clock', '@dyno/timing clock']);
    });
  });

  describe('a clock that reads no number, or steps back', () => {
    it.each([
      ['NaN', () => Number.NaN],
      ['undefined', () => undefined],
      ['a string', () => '5'],
      ['Infinity', () => Number.POSITIVE_INFINITY],
    ])(
      'refuses a reading of %s as a throw: nothing but numbers reaches the outputs',
      async (_, read) => {
        const clock = new OddClock(100);
        const root = new PerfTimer('request', { clock, epoch: 0 }).start();
        const stopped = root.time('stopped');
        clock.read = read;
        expect(() => root.mark('m')).toThrow(
          /^@dyno\/timing: clock\.now\(\) must return a finite number of ms; received /,
        );
        expect(() => stopped.stop()).toThrow(TypeError);
        const reports = await listenerReports(() => {
          expect(withTimer(root, () => timed('db', (interval) => interval?.state))).toBe('idle');
        });
        expect(reports.map((r) => [r.source, r.error instanceof TypeError])).toEqual([
          ['@dyno/timing clock', true],
        ]);
        clock.read = undefined;
        await clock.advance(5);
        stopped.stop();
        root.stop();
        expect(stopped.duration).toBe(5);
        expect(root.serverTiming()).toBe('request;dur=5, stopped;dur=5');
      },
    );

    it('leaves a running interval out of the header, and its duration out of the JSON, when the clock cannot read now', async () => {
      const clock = new OddClock();
      const root = new PerfTimer('request', { clock, epoch: 0 }).start();
      clock.set(3);
      root.time('db').stop();
      root.time('render');
      clock.read = () => Number.NaN;
      let header = '';
      let json: unknown;
      const reports = await listenerReports(() => {
        header = root.serverTiming();
        json = root.toJSON();
      });
      expect(header).toBe('db;dur=0');
      expect(json).toMatchObject({
        duration: null,
        children: [
          { name: 'db', duration: 0 },
          { name: 'render', end: null, duration: null },
        ],
      });
      expect(reports.map((r) => r.source)).toEqual(Array(4).fill('@dyno/timing clock'));
    });

    it.each([
      [
        'throws',
        (clock: OddClock) =>
          (clock.read = () => {
            throw new Error('tick');
          }),
      ],
      ['reads NaN', (clock: OddClock) => (clock.read = () => Number.NaN)],
    ])(
      'never makes `using` throw at the end of its scope when the clock %s: reported, the interval running',
      async (_, spoil) => {
        const clock = new OddClock();
        const root = new PerfTimer('request', { clock, epoch: 0 }).start();
        const reports = await listenerReports(() => {
          using db = root.time('db');
          spoil(clock);
          expect(db.state).toBe('running');
        });
        expect(root.children.map((c) => (c as PerfTimer).state)).toEqual(['running']);
        expect(reports.map((r) => r.source)).toEqual(['@dyno/timing clock']);
      },
    );

    it('counts a step back as no time passed: no negative duration, no time before the start', async () => {
      const DAY = 86_400_000;
      const clock = new OddClock(2 * DAY);
      const root = new PerfTimer('request', { clock, epoch: 0 }).start();
      clock.read = (t) => t - DAY;
      const db = root.time('db');
      await clock.advance(5);
      db.stop();
      root.mark('done');
      expect([db.startTime, db.endTime, db.duration]).toEqual([2 * DAY, 2 * DAY + 5, 5]);
      expect(root.stop().duration).toBe(5);
      expect(root.serverTiming()).toBe('request;dur=5, db;dur=5, done');
    });
  });
});
