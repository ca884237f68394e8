import { NEVER_ABORTED } from '@dyno/core';
import { flushPromises, tamperedPromises } from '@dyno/core/testing';
import { Chaos } from './chaos.js';
import { ChaosError } from './errors.js';
import type { OddThenable } from './options.js';

const ctx = { signal: NEVER_ABORTED };
const chaosOf = (kind: OddThenable) =>
  new Chaos({ random: () => 0, thenable: { rate: 1, kinds: [kind] } });

const record = () => {
  const calls: string[] = [];
  return {
    calls,
    onFulfilled: (v: unknown) => calls.push(`fulfilled ${String(v)}`),
    onRejected: (e: unknown) =>
      calls.push(`rejected ${e instanceof ChaosError ? 'chaos' : String(e)}`),
  };
};

describe('Chaos thenable fault', () => {
  it('both: calls the fulfilment and then the rejection callback', () => {
    const r = record();
    const thenable = chaosOf('both').wrap(() => 7)(ctx) as PromiseLike<number>;
    thenable.then(r.onFulfilled, r.onRejected);
    expect(r.calls).toEqual(['fulfilled 7', 'rejected chaos']);
    const failed = record();
    const rejecting = chaosOf('both').wrap((): number => {
      throw 'x';
    })(ctx) as PromiseLike<number>;
    rejecting.then(failed.onFulfilled, failed.onRejected);
    expect(failed.calls).toEqual(['rejected x', 'fulfilled undefined']);
  });

  it('twice: calls its callback twice', () => {
    const r = record();
    const thenable = chaosOf('twice').wrap(() => 7)(ctx) as PromiseLike<number>;
    thenable.then(r.onFulfilled, r.onRejected);
    expect(r.calls).toEqual(['fulfilled 7', 'fulfilled 7']);
  });

  it('throwAfter: throws from then after settling', () => {
    const r = record();
    const thenable = chaosOf('throwAfter').wrap(() => 7)(ctx) as PromiseLike<number>;
    expect(() => thenable.then(r.onFulfilled, r.onRejected)).toThrow(ChaosError);
    expect(r.calls).toEqual(['fulfilled 7']);
  });

  it('misbehaves when an async result arrives, swallowing its own late throw', async () => {
    for (const kind of ['both', 'twice', 'throwAfter'] as const) {
      const r = record();
      const thenable = chaosOf(kind).wrap(async () => 7)(ctx) as PromiseLike<number>;
      thenable.then(r.onFulfilled, r.onRejected);
      expect(r.calls).toEqual([]);
      await flushPromises();
      expect(r.calls[0]).toBe('fulfilled 7');
    }
    const r = record();
    const failing = chaosOf('twice').wrap(async () => Promise.reject('no'))(
      ctx,
    ) as PromiseLike<number>;
    failing.then(r.onFulfilled);
    failing.then(undefined, r.onRejected);
    await flushPromises();
    expect(r.calls).toEqual(['rejected no', 'rejected no']);
  });

  it('settles once with the real outcome when adopted by a promise, as execute does', async () => {
    for (const kind of ['both', 'twice', 'throwAfter'] as const) {
      await expect(chaosOf(kind).execute(() => 7)).resolves.toBe(7);
      await expect(chaosOf(kind).execute(async () => 8)).resolves.toBe(8);
      await expect(
        chaosOf(kind).execute(() => {
          throw 'x';
        }),
      ).rejects.toBe('x');
    }
  });

  it('picks the misbehaviour in turn across its share', () => {
    const draws = [0, 0.34, 0.67];
    let i = 0;
    const chaos = new Chaos({ random: () => draws[i++] as number, thenable: { rate: 1 } });
    const kinds = draws.map(() => {
      const r = record();
      try {
        (chaos.wrap(() => 1)(ctx) as PromiseLike<number>).then(r.onFulfilled, r.onRejected);
      } catch {
        r.calls.push('threw');
      }
      return r.calls.join(', ');
    });
    expect(kinds).toEqual([
      'fulfilled 1, rejected chaos',
      'fulfilled 1, fulfilled 1',
      'fulfilled 1, threw',
    ]);
  });
});

describe('Chaos.execute with a tampered promise from fn', () => {
  // with no fault drawn, execute handed back the tampered promise itself (its own `then`)
  it.each(tamperedPromises())(
    'answers a native promise that settles once for %s',
    async (_, tampered) => {
      const p = new Chaos().execute(() => tampered);
      expect(Object.getPrototypeOf(p)).toBe(Promise.prototype);
      const { calls, onFulfilled, onRejected } = record();
      p.then(onFulfilled, onRejected);
      await flushPromises();
      expect(calls).toHaveLength(1);
    },
  );
});
