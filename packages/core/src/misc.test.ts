import { systemClock } from './clock.js';
import { NOOP_DISPOSABLE, toDisposable } from './disposable.js';
import { invoke } from './invoke.js';
import { defaultName } from './name.js';

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

  it('is not moved by the wall clock', () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(0);
    const before = systemClock.now();
    spy.mockReturnValue(1e12);
    expect(systemClock.now() - before).toBeLessThan(1000);
    spy.mockRestore();
  });
});
