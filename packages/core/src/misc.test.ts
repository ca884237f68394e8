import { systemClock } from './clock.js';
import { NOOP_DISPOSABLE, toDisposable } from './disposable.js';
import { invoke, isPromise, isThenable, toPromise } from './invoke.js';
import { defaultName } from './name.js';
import {
  deferred,
  flushPromises,
  tamperedPromises,
  undescribableFailures,
} from './testing/index.js';

import { describeFailure } from './validate.js';

describe('invoke', () => {
  it('turns a synchronous throw into a rejection', async () => {
    const error = new Error('sync');
    const p = invoke(() => {
      throw error;
    }, undefined);
    await expect(p).rejects.toBe(error);
  });

  it('keeps non-Error throwables as thrown', async () => {
    await expect(invoke(() => Promise.reject(undefined), 0)).rejects.toBeUndefined();
    await expect(
      invoke(() => {
        throw 'x';
      }, 0),
    ).rejects.toBe('x');
  });

  it('adopts values, promises and thenables, passing the context', async () => {
    await expect(invoke((c: number) => c + 1, 1)).resolves.toBe(2);
    const p = Promise.resolve(5);
    expect(invoke(() => p, 0)).toBe(p);
    const thenable = { then: (ok: (v: number) => void) => ok(7) } as unknown as PromiseLike<number>;
    await expect(invoke(() => thenable, 0)).resolves.toBe(7);
  });
});

describe('invoke with hostile results', () => {
  it('settles exactly once for a thenable that calls back twice or calls both callbacks', async () => {
    const twice = {
      then(ok: (v: number) => void, fail: (e: unknown) => void) {
        ok(1);
        ok(2);
        fail(new Error('late'));
        throw new Error('after');
      },
    } as unknown as PromiseLike<number>;
    await expect(invoke(() => twice, 0)).resolves.toBe(1);
  });

  it('wraps a Promise subclass in a native promise instead of trusting its then', async () => {
    class Sneaky<T> extends Promise<T> {}
    const sub = Sneaky.resolve(3);
    const p = invoke(() => sub, 0);
    expect(p).not.toBe(sub);
    expect(Object.getPrototypeOf(p)).toBe(Promise.prototype);
    await expect(p).resolves.toBe(3);
  });

  it.each(tamperedPromises())(
    'adopts %s into a fresh native promise that settles once, never throwing',
    async (_, tampered) => {
      // returned as it was: the caller's `then` called back twice, or threw
      let p: Promise<string> | undefined;
      expect(() => {
        p = invoke(() => tampered, 0);
      }).not.toThrow();
      expect(p).not.toBe(tampered);
      expect(Object.getPrototypeOf(p)).toBe(Promise.prototype);
      const seen: string[] = [];
      (p as Promise<string>).then(
        (v) => seen.push(`value ${v}`),
        (e: Error) => seen.push(`error ${e.message}`),
      );
      await flushPromises();
      expect(seen).toEqual([expect.stringMatching(/^(value ok|error constructor getter)$/)]);
      const again = toPromise(tampered);
      again.catch(() => undefined);
      expect(again).not.toBe(tampered);
    },
  );

  it('turns a throwing then getter into a rejection', async () => {
    const boom = new Error('getter');
    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw boom;
      },
    });
    await expect(invoke(() => hostile, 0)).rejects.toBe(boom);
  });
});

describe('isThenable', () => {
  it('is true for promises, thenable objects and thenable functions only', () => {
    const fnThenable = Object.assign(() => {}, { then() {} });
    expect(isThenable(Promise.resolve())).toBe(true);
    expect(isThenable({ then() {} })).toBe(true);
    expect(isThenable(fnThenable)).toBe(true);
    for (const v of [null, undefined, 1, 'then', {}, { then: 1 }])
      expect(isThenable(v)).toBe(false);
  });

  it('is false, without throwing, for a value whose then cannot be read', () => {
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('getter');
      },
    });
    expect(isThenable(revoked)).toBe(false);
    expect(isThenable(hostile)).toBe(false);
  });
});

describe('deferred', () => {
  it('settles from outside', async () => {
    const d = deferred<number>();
    d.resolve(4);
    await expect(d.promise).resolves.toBe(4);
    const e = deferred();
    e.reject('no');
    await expect(e.promise).rejects.toBe('no');
  });
});

describe('toDisposable', () => {
  it('releases once, by dispose or Symbol.dispose', () => {
    const release = jest.fn();
    const d = toDisposable(release);
    d.dispose();
    d[Symbol.dispose]();
    expect(release).toHaveBeenCalledTimes(1);
    expect(() => NOOP_DISPOSABLE.dispose()).not.toThrow();
  });
});

describe('defaultName', () => {
  it('numbers instances per kind', () => {
    const a = defaultName('widget');
    const b = defaultName('widget');
    expect(a).toMatch(/^widget#\d+$/);
    expect(b).not.toBe(a);
  });
});

describe('systemClock', () => {
  it('is monotonic and sets real timers', async () => {
    const a = systemClock.now();
    const b = systemClock.now();
    expect(b).toBeGreaterThanOrEqual(a);
    jest.useFakeTimers();
    try {
      const f = jest.fn();
      const h = systemClock.setTimeout(f, 10);
      systemClock.clearTimeout(h);
      systemClock.setTimeout(f, 20);
      jest.advanceTimersByTime(20);
      expect(f).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reads the time base of performance.now()', () => {
    const before = performance.now();
    const now = systemClock.now();
    const after = performance.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
  });

  it('follows jest fake timers while they are installed, and real time after', () => {
    jest.useFakeTimers();
    try {
      const a = systemClock.now();
      jest.advanceTimersByTime(5000);
      expect(systemClock.now() - a).toBe(5000);
    } finally {
      jest.useRealTimers();
    }
    const before = performance.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    expect(systemClock.now()).toBeLessThan(before + 1000);
  });

  it('is not moved by the wall clock', () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(0);
    const before = systemClock.now();
    spy.mockReturnValue(1e12);
    expect(systemClock.now() - before).toBeLessThan(1000);
    spy.mockRestore();
  });
});

describe('describeFailure', () => {
  it('names an Error by name and message, and anything else as a thrown value', () => {
    expect(describeFailure(new RangeError('too big'))).toBe('RangeError: too big');
    expect(describeFailure('down')).toBe('thrown "down"');
    expect(describeFailure(undefined)).toBe('thrown undefined');
  });

  it('never throws for a failure whose name or message cannot become text', () => {
    for (const failure of undescribableFailures()) {
      expect(describeFailure(failure)).toBe('thrown an object');
    }
  });
});

describe('isPromise', () => {
  it('answers for promises and their subclasses only, and never throws', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    class Sub extends Promise<void> {}
    expect(isPromise(Promise.resolve(1))).toBe(true);
    expect(isPromise(new Sub((resolve) => resolve()))).toBe(true);
    expect(isPromise({ then: () => undefined })).toBe(false);
    expect(isPromise(undefined)).toBe(false);
    expect(isPromise(proxy)).toBe(false);
  });
});
