import { sleep } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { PerfTimer } from './perf-timer.js';
import { currentTimer, timed, withTimer } from './request-scope.js';

function setup() {
  const clock = new ManualClock();
  const root = new PerfTimer('request', { clock, epoch: 0 }).start();
  const wait = (ms: number) => sleep(ms, { clock });
  return { clock, root, wait };
}

describe('request-scoped timing', () => {
  it('makes the timer current for everything fn calls, across awaits, and only there', async () => {
    const { root } = setup();
    expect(currentTimer()).toBeUndefined();
    const seen = await withTimer(root, async () => {
      const before = currentTimer();
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
      return [before, currentTimer()];
    });
    expect(seen).toEqual([root, root]);
    expect(currentTimer()).toBeUndefined();
  });

  it('times async work as a child of the current timer, nesting timed calls', async () => {
    const { clock, root, wait } = setup();
    const query = async () =>
      timed('db', async (db) => {
        db?.mark('connected');
        await wait(5);
        currentTimer()?.mark('rows');
        return 42;
      });
    const result = withTimer(root, () =>
      timed('handler', async () => {
        await wait(1);
        const rows = await query();
        await timed('render', async () => wait(2));
        return rows;
      }),
    );
    await clock.advance(8);
    expect(await result).toBe(42);
    root.stop();
    expect(root.toJSON()).toEqual({
      kind: 'interval',
      name: 'request',
      start: 0,
      end: 8,
      duration: 8,
      children: [
        {
          kind: 'interval',
          name: 'handler',
          start: 0,
          end: 8,
          duration: 8,
          children: [
            {
              kind: 'interval',
              name: 'db',
              start: 1,
              end: 6,
              duration: 5,
              children: [
                { kind: 'mark', name: 'connected', time: 1 },
                { kind: 'mark', name: 'rows', time: 6 },
              ],
            },
            { kind: 'interval', name: 'render', start: 6, end: 8, duration: 2, children: [] },
          ],
        },
      ],
    });
  });

  it('gives concurrent timed calls their own intervals', async () => {
    const { clock, root, wait } = setup();
    const all = withTimer(root, () =>
      Promise.all(
        [3, 1, 2].map((ms, i) =>
          timed(`call ${i}`, async () => {
            await wait(ms);
            currentTimer()?.mark(`done ${i}`);
          }),
        ),
      ),
    );
    await clock.advance(3);
    await all;
    const summary = root.children.map((c) =>
      c.kind === 'interval' ? [c.name, c.duration, c.children.map((m) => m.name)] : c.name,
    );
    expect(summary).toEqual([
      ['call 0', 3, ['done 0']],
      ['call 1', 1, ['done 1']],
      ['call 2', 2, ['done 2']],
    ]);
  });

  it('stops the interval when fn throws or rejects, and passes the error on unchanged', async () => {
    const { clock, root, wait } = setup();
    const boom = new Error('boom');
    withTimer(root, () => {
      expect(() =>
        timed('sync', () => {
          throw boom;
        }),
      ).toThrow(boom);
    });
    const rejected = withTimer(root, () =>
      timed('async', async () => {
        await wait(4);
        throw 'not an error';
      }),
    );
    const outcome = rejected.catch((error: unknown) => error);
    await clock.advance(4);
    expect(await outcome).toBe('not an error');
    const [sync, async] = root.children as PerfTimer[];
    expect([sync?.state, sync?.duration]).toEqual(['stopped', 0]);
    expect([async?.state, async?.duration]).toEqual(['stopped', 4]);
  });

  it('keeps the class of a Promise subclass, and stops before the caller resumes', async () => {
    class Query<T> extends Promise<T> {}
    const { clock, root } = setup();
    let interval: PerfTimer | undefined;
    const result = withTimer(root, () =>
      timed('q', (t) => {
        interval = t;
        return new Query<number>((resolve) => clock.setTimeout(() => resolve(7), 3));
      }),
    );
    expect(result).toBeInstanceOf(Query);
    const state = result.then(() => interval?.state);
    await clock.advance(3);
    expect(await state).toBe('stopped');
    expect(interval?.duration).toBe(3);
  });

  it('returns a thenable that is not a promise as it is, without running it', () => {
    const { root } = setup();
    const then = jest.fn();
    const builder = { then };
    const result = withTimer(root, () => timed('lazy', () => builder));
    expect(result).toBe(builder);
    expect(then).not.toHaveBeenCalled();
    expect((root.children[0] as PerfTimer).state).toBe('stopped');
  });

  it('just runs fn outside any timer', () => {
    const promise = Promise.resolve(1);
    const fn = jest.fn(() => promise);
    expect(timed('free', fn)).toBe(promise);
    expect(fn).toHaveBeenCalledWith(undefined);
  });

  it('rejects bad input with clear errors', () => {
    const { root } = setup();
    expect(() => withTimer({} as never, () => 1)).toThrow(
      new TypeError('@dyno/timing: option `timer` must be a PerfTimer; received an object'),
    );
    expect(() => withTimer(root, 5 as never)).toThrow(
      new TypeError('@dyno/timing: `fn` must be a function; received 5'),
    );
    expect(() => timed('', () => 1)).toThrow(RangeError);
    expect(() => timed('x', null as never)).toThrow(TypeError);
  });
});
