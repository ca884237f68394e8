import { getEventListeners } from 'node:events';
import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { flushPromises, ManualClock, undescribableFailures } from '@dyno/core/testing';
import type { MakeContext } from './declaration.js';
import { DependencyError } from './errors.js';
import { inject } from './inject.js';

/** A build that the test settles by hand, and that ignores its signal. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  let signal: AbortSignal | undefined;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  const make = (c: MakeContext) => {
    signal = c.signal;
    return promise;
  };
  return { make, resolve, reject, signal: () => signal };
}

const hang = () => new Promise<never>(() => {});

describe('inject fails fast', () => {
  it('rejects at once when a dependency fails, though a sibling hangs and ignores its signal', async () => {
    const down = new Error('down');
    const slow = deferred<string>();
    const handler = inject(
      { slow: slow.make, db: () => Promise.reject(down), other: hang },
      () => 0,
      {
        name: 'h',
      },
    );
    const call = handler().catch((e: unknown) => e);
    const error = await Promise.race([call, flushPromises().then(() => 'still pending')]);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).names).toEqual(['db']);
    expect((error as DependencyError).cause).toBe(down);
    // the siblings' signals are aborted with the call's error
    expect(slow.signal()?.aborted).toBe(true);
    expect(slow.signal()?.reason).toBe(error);
  });

  it('aborts siblings under a timeout too, and clears their timers', async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    const handler = inject(
      {
        a: {
          make: (c: MakeContext) => {
            signals.push(c.signal);
            return hang();
          },
          timeout: 1000,
        },
        b: () => Promise.reject(new Error('b')),
      },
      () => 0,
      { clock },
    );
    await expect(handler()).rejects.toBeInstanceOf(DependencyError);
    expect(signals[0]?.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('leaves a shared once-only build running for the others', async () => {
    const shared = deferred<string>();
    const handler = inject(
      { conn: { make: shared.make, once: true }, bad: () => Promise.reject(new Error('x')) },
      ({ conn }) => conn,
    );
    await expect(handler()).rejects.toBeInstanceOf(DependencyError);
    expect(shared.signal()?.aborted).toBe(false);
    shared.resolve('conn');
    await expect(handler.run({ deps: { bad: 'ok' as never } })).resolves.toBe('conn');
  });

  it('rejects with a DependencyError for a failure that cannot be described, never hanging', async () => {
    for (const failure of undescribableFailures()) {
      const handler = inject({ a: () => Promise.reject(failure), b: hang }, () => 'ran');
      let error: unknown = 'pending';
      handler().catch((e: unknown) => {
        error = e;
      });
      await flushPromises();
      expect(error).toBeInstanceOf(DependencyError);
      expect((error as DependencyError).errors[0]).toBe(failure);
      expect((error as DependencyError).message).toMatch(
        /^Could not build 1 dependency: "a" \(thrown /,
      );
    }
  });

  it('takes a fallback without failing the call', async () => {
    const handler = inject(
      { a: { make: () => Promise.reject(new Error('x')), fallback: 'fb' }, b: () => 'b' },
      ({ a, b }) => a + b,
    );
    expect(await handler()).toBe('fbb');
  });

  it('starts no more builds once a make has aborted the caller signal', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const later = jest.fn(() => 1);
    const handler = inject(
      {
        first: () => {
          controller.abort(reason);
          return 1;
        },
        later,
      },
      () => 0,
    );
    await expect(handler.run({ signal: controller.signal })).rejects.toBe(reason);
    expect(later).not.toHaveBeenCalled();
  });
});

describe('inject disposes what it built and discarded', () => {
  it('disposes a value built before a sibling failed, and one that arrives after', async () => {
    const disposed: string[] = [];
    const late = deferred<string>();
    const fail = deferred<number>();
    const handler = inject(
      {
        early: { make: () => 'early', dispose: (v) => void disposed.push(v) },
        late: { make: late.make, dispose: (v) => void disposed.push(v) },
        fail: fail.make,
      },
      () => 0,
    );
    const call = handler();
    await flushPromises();
    fail.reject(new Error('x'));
    await expect(call).rejects.toBeInstanceOf(DependencyError);
    expect(disposed).toEqual(['early']);
    late.resolve('late');
    await flushPromises();
    expect(disposed).toEqual(['early', 'late']);
  });

  it('disposes built and late values when the caller aborts', async () => {
    const disposed: string[] = [];
    const late = deferred<string>();
    const controller = new AbortController();
    const handler = inject(
      {
        a: { make: () => 'a', dispose: (v) => void disposed.push(v) },
        b: { make: late.make, dispose: (v) => void disposed.push(v) },
      },
      () => 0,
    );
    const call = handler.run({ signal: controller.signal });
    await flushPromises();
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(late.signal()?.reason).toBe(reason);
    expect(disposed).toEqual(['a']);
    late.resolve('b');
    await flushPromises();
    expect(disposed).toEqual(['a', 'b']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('disposes a value that arrives after its timeout, whether the call failed or fell back', async () => {
    const clock = new ManualClock();
    const disposed: string[] = [];
    const slow = deferred<string>();
    const handler = inject(
      {
        cfg: {
          make: slow.make,
          timeout: 50,
          fallback: 'local',
          dispose: (v) => void disposed.push(v),
        },
      },
      ({ cfg }) => cfg,
      { clock },
    );
    const call = handler();
    await clock.advance(50);
    expect(await call).toBe('local');
    slow.resolve('remote');
    await flushPromises();
    expect(disposed).toEqual(['remote']);
  });

  it('disposes the late value of a timed-out once-only build', async () => {
    const clock = new ManualClock();
    const disposed: string[] = [];
    const slow = deferred<string>();
    const handler = inject(
      { conn: { make: slow.make, timeout: 50, once: true, dispose: (v) => void disposed.push(v) } },
      ({ conn }) => conn,
      { clock },
    );
    const call = handler();
    await clock.advance(50);
    await expect(call).rejects.toBeInstanceOf(DependencyError);
    slow.resolve('conn');
    await flushPromises();
    expect(disposed).toEqual(['conn']);
  });

  it('never disposes values handed to fn, supplied values, fallbacks or cached once-only values', async () => {
    const dispose = jest.fn();
    const handler = inject(
      {
        used: { make: () => 'used', dispose },
        given: { make: () => 'built', dispose },
        fb: { make: () => Promise.reject(new Error('x')), fallback: 'fb', dispose },
        cached: { make: () => 'cached', once: true, dispose },
        bad: () => 0,
      },
      (deps) => deps,
    );
    expect(await handler.run({ deps: { given: 'given' } })).toEqual({
      used: 'used',
      given: 'given',
      fb: 'fb',
      cached: 'cached',
      bad: 0,
    });
    expect(dispose).not.toHaveBeenCalled();
    const failing = inject(
      {
        cached: { make: () => 'cached', once: true, dispose },
        given: { make: () => 'built', dispose },
        bad: () => Promise.reject(new Error('x')),
      },
      () => 0,
    );
    await failing.run({ deps: { given: 'given' } }).catch(() => undefined);
    await flushPromises();
    expect(dispose).not.toHaveBeenCalled();
  });

  it('reports a disposer that throws or rejects, and the call keeps its own error', async () => {
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    const thrown = new Error('close failed');
    const rejected = new Error('async close failed');
    try {
      const down = new Error('down');
      const handler = inject(
        {
          a: {
            make: () => 'a',
            dispose: () => {
              throw thrown;
            },
          },
          b: { make: () => 'b', dispose: () => Promise.reject(rejected) },
          c: () => Promise.reject(down),
        },
        () => 0,
      );
      const error = (await handler().catch((e: unknown) => e)) as DependencyError;
      expect(error.cause).toBe(down);
      await flushPromises();
    } finally {
      subscription.dispose();
    }
    expect(reported.map((r) => [r.error, r.source])).toEqual([
      [thrown, '@dyno/injection dispose of a'],
      [rejected, '@dyno/injection dispose of b'],
    ]);
  });
});

describe('inject with dependency sources', () => {
  /** What `@dyno/registry`'s `token(key)` returns, structurally (injection imports no registry). */
  interface TokenLike<T> {
    make(): Promise<T>;
    readonly key: string | symbol;
  }
  const tokenOf = <T>(key: string, value: () => T): TokenLike<T> => {
    const token = { make: async () => value() };
    Object.defineProperty(token, 'key', { value: key });
    return Object.freeze(token) as TokenLike<T>;
  };

  it('takes any object whose only enumerable field is make, resolving it at each call', async () => {
    let current = { id: 1 };
    const db = tokenOf('db', () => current);
    const handler = inject({ db, n: () => 2 }, ({ db: conn, n }) => {
      const id: number = conn.id;
      return id + n;
    });
    expect(await handler()).toBe(3);
    current = { id: 10 };
    expect(await handler()).toBe(12);
  });
});
