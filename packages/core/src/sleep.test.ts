import { getEventListeners } from 'node:events';
import {
  abortReason,
  addAbortListener,
  NEVER_ABORTED,
  onAbort,
  removeAbortListener,
  untilAborted,
} from './abort.js';
import { toDisposable } from './disposable.js';
import { type ListenerErrorEvent, onListenerError } from './report.js';
import { sleep } from './sleep.js';
import { ManualClock } from './testing/index.js';

describe('sleep', () => {
  it('resolves after exactly the given time on the clock', async () => {
    const clock = new ManualClock();
    let done = false;
    const p = sleep(100, { clock }).then(() => {
      done = true;
    });
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    await p;
    expect(clock.pending).toBe(0);
  });

  it('rejects at once with the reason of an already-aborted signal, setting no timer', async () => {
    const clock = new ManualClock();
    const reason = new Error('stop');
    await expect(sleep(100, { clock, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it('rejects with the abort reason, clears its timer and removes its listener', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const p = sleep(1000, { clock, signal: controller.signal });
    expect(clock.pending).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort('because');
    await expect(p).rejects.toBe('because');
    expect(clock.pending).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('removes its abort listener when it completes normally', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const p = sleep(10, { clock, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await clock.advance(10);
    await p;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with what a clock that cannot set a timer threw, leaving no listener', async () => {
    const clock = new ManualClock();
    const broken = new Error('no timer');
    clock.setTimeout = () => {
      throw broken;
    };
    const controller = new AbortController();
    await expect(sleep(10, { clock, signal: controller.signal })).rejects.toBe(broken);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('settles sleep(0) without a timer', async () => {
    const clock = new ManualClock();
    await expect(sleep(0, { clock })).resolves.toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('uses the system clock by default', async () => {
    jest.useFakeTimers();
    try {
      let done = false;
      const p = sleep(50).then(() => {
        done = true;
      });
      await jest.advanceTimersByTimeAsync(50);
      expect(done).toBe(true);
      await p;
    } finally {
      jest.useRealTimers();
    }
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])('rejects a duration of %p', (ms) => {
    expect(() => sleep(ms)).toThrow(RangeError);
  });

  it('refuses a signal or a clock of the wrong kind before setting a timer', () => {
    const clock = new ManualClock();
    expect(() => sleep(10, { signal: 'x' as never, clock })).toThrow(
      new TypeError('@dyno/core: option `signal` must be an AbortSignal; received "x"'),
    );
    expect(clock.pending).toBe(0);
    expect(() => sleep(10, { clock: {} as never })).toThrow(TypeError);
  });

  it('rejects a duration that is not a number', () => {
    expect(() => sleep('10' as never)).toThrow(
      new TypeError(
        '@dyno/core: option `ms` must be a duration in ms from 0 to 2147483647; received "10"',
      ),
    );
  });
});

describe('abort helpers', () => {
  it('onAbort on no signal or the never-aborted signal adds nothing', () => {
    const f = jest.fn();
    onAbort(undefined, f).dispose();
    onAbort(NEVER_ABORTED, f).dispose();
    expect(NEVER_ABORTED.aborted).toBe(false);
  });

  it('keeps no abort listener on the never-aborted signal, so none piles up or makes Node warn', () => {
    // every call without a signal of its own hands `fn` this one signal, and `fetch` (undici)
    // leaves its listener on a signal until the request is collected: a pool of 50 doing
    // fetches held thousands and Node warned about 2,000 times every 5,000 calls (a warning
    // Node's own `process` gets, which jest's does not see)
    const listeners = Array.from({ length: 2_000 }, () => jest.fn());
    for (const listener of listeners) NEVER_ABORTED.addEventListener('abort', listener);
    const handler = jest.fn();
    NEVER_ABORTED.onabort = handler;
    expect(NEVER_ABORTED.onabort).toBe(handler);
    expect(getEventListeners(NEVER_ABORTED, 'abort')).toHaveLength(0);
    NEVER_ABORTED.onabort = null;
    expect(NEVER_ABORTED.onabort).toBeNull();
    // other events are kept as on any signal
    const other = jest.fn();
    NEVER_ABORTED.addEventListener('other', other);
    NEVER_ABORTED.dispatchEvent(new Event('other'));
    NEVER_ABORTED.removeEventListener('other', other);
    expect(other).toHaveBeenCalledTimes(1);
    expect(NEVER_ABORTED.aborted).toBe(false);
  });

  it('onAbort calls the listener once on abort', () => {
    const controller = new AbortController();
    const f = jest.fn();
    onAbort(controller.signal, f);
    controller.abort();
    expect(f).toHaveBeenCalledTimes(1);
  });

  it('abortReason gives the reason or an AbortError', () => {
    expect(abortReason(AbortSignal.abort('r'))).toBe('r');
    const c = new AbortController();
    Object.defineProperty(c.signal, 'reason', { value: undefined });
    const reason = abortReason(c.signal) as DOMException;
    expect(reason.name).toBe('AbortError');
  });

  it('keeps a null abort reason, as the signal does', async () => {
    const controller = new AbortController();
    controller.abort(null);
    expect(abortReason(controller.signal)).toBeNull();
    await expect(sleep(10, { signal: controller.signal })).rejects.toBeNull();
  });
});

describe('untilAborted', () => {
  it('rejects with the reason at once, runs the hook, and handles a late failure', async () => {
    const controller = new AbortController();
    let fail: (error: Error) => void = () => {};
    const work = new Promise<string>((_, reject) => (fail = reject));
    const aborted = jest.fn();
    const raced = untilAborted(work, controller.signal, aborted);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(raced).rejects.toBe(reason);
    expect(aborted).toHaveBeenCalledTimes(1);
    fail(new Error('late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('settles as the promise does, and then stops listening', async () => {
    const controller = new AbortController();
    const aborted = jest.fn();
    await expect(untilAborted(Promise.resolve(1), controller.signal, aborted)).resolves.toBe(1);
    const boom = new Error('boom');
    await expect(untilAborted(Promise.reject(boom), controller.signal)).rejects.toBe(boom);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    expect(aborted).not.toHaveBeenCalled();
  });

  it('rejects at once for an already-aborted signal, runs the hook, and handles a late failure', async () => {
    const controller = new AbortController();
    const reason = new Error('gone');
    controller.abort(reason);
    const aborted = jest.fn();
    let fail: (error: Error) => void = () => {};
    const work = new Promise<string>((_, reject) => (fail = reject));
    const raced = untilAborted(work, controller.signal, aborted);
    let settled = false;
    raced.catch(() => (settled = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    await expect(raced).rejects.toBe(reason);
    expect(aborted).toHaveBeenCalledTimes(1);
    fail(new Error('late')); // no unhandled rejection: jest would fail the run
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('is the promise itself without a signal that can abort', () => {
    const work = Promise.resolve(1);
    expect(untilAborted(work, undefined)).toBe(work);
    expect(untilAborted(work, NEVER_ABORTED)).toBe(work);
  });
});

describe('shared abort listeners', () => {
  it('keeps one real listener on a signal however many calls wait on it, and none after', () => {
    const controller = new AbortController();
    const subs = Array.from({ length: 50 }, () => onAbort(controller.signal, () => {}));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const s of subs.slice(1)) s.dispose();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    subs[0]?.dispose();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('calls every listener once, in order, functions and handleEvent objects alike', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const object = { handleEvent: () => calls.push('object') };
    addAbortListener(controller.signal, () => calls.push('a'));
    addAbortListener(controller.signal, object);
    onAbort(controller.signal, () => calls.push('b'));
    const removed = () => calls.push('removed');
    addAbortListener(controller.signal, removed);
    removeAbortListener(controller.signal, removed);
    removeAbortListener(controller.signal, () => {});
    controller.abort();
    controller.signal.dispatchEvent(new Event('abort'));
    expect(calls).toEqual(['a', 'object', 'b']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('skips a listener that an earlier listener removes while the signal aborts', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    let disposed = toDisposable(() => {});
    addAbortListener(controller.signal, () => {
      calls.push('a');
      removeAbortListener(controller.signal, removed);
      disposed.dispose();
    });
    addAbortListener(controller.signal, removed);
    disposed = onAbort(controller.signal, () => calls.push('disposed'));
    onAbort(controller.signal, () => calls.push('b'));
    controller.abort();
    expect(calls).toEqual(['a', 'b']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('treats the same function subscribed twice through onAbort as two subscriptions', () => {
    const controller = new AbortController();
    const f = jest.fn();
    const first = onAbort(controller.signal, f);
    onAbort(controller.signal, f);
    first.dispose();
    controller.abort();
    expect(f).toHaveBeenCalledTimes(1);
  });

  it('reports a throwing listener and still calls the rest', () => {
    const controller = new AbortController();
    const boom = new Error('listener bug');
    const after = jest.fn();
    addAbortListener(controller.signal, () => {
      throw boom;
    });
    addAbortListener(controller.signal, after);
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      expect(() => controller.abort()).not.toThrow();
    } finally {
      subscription.dispose();
    }
    expect(after).toHaveBeenCalledTimes(1);
    expect(reported).toEqual([{ error: boom, source: 'an abort listener' }]);
  });

  it('reports an async listener that rejects, never leaving an unhandled rejection', async () => {
    const controller = new AbortController();
    const boom = new Error('async listener bug');
    addAbortListener(controller.signal, async () => {
      throw boom;
    });
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      controller.abort();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      subscription.dispose();
    }
    expect(reported).toEqual([{ error: boom, source: 'an abort listener' }]);
  });
});
