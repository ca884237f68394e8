import { ManualClock } from '@dyno/core/testing';
import { Pool, Timeout, TimeoutError } from '@dyno/pool';
import type { ServiceOptions } from './options.js';
import { service } from './service.js';
import type { ServiceContext } from './service-context.js';

type Layers = (clock: ManualClock) => ServiceOptions;

const timed: [string, Layers][] = [
  ['a timed pool built here', (clock) => ({ clock, timeout: 50 })],
  [
    'a shared pool with a per-call deadline',
    (clock) => ({ clock, pool: new Pool({ clock }), timeout: 50 }),
  ],
  [
    'a Timeout layer',
    (clock) => ({ clock, pool: false, timeout: new Timeout({ clock, timeout: 50 }) }),
  ],
];
const layers: [string, Layers][] = [
  ...timed,
  ['an untimed pool', (clock) => ({ clock, timeout: false })],
  ['no pool and no deadline', (clock) => ({ clock, pool: false, timeout: false })],
];

describe('the context fn receives', () => {
  it.each(layers)(
    'keeps signal and attempt through { ...context }, with %s',
    async (_, options) => {
      const caller = new AbortController();
      const seen: ServiceContext[] = [];
      const s = service(
        (context) => {
          seen.push({ ...context });
          return 'ok';
        },
        { ...options(new ManualClock()), retry: false },
      );
      await s();
      await s.withSignal(caller.signal)();
      for (const copy of seen) {
        expect(Object.keys(copy)).toEqual(['signal', 'attempt']);
        expect(copy.signal).toBeInstanceOf(AbortSignal);
        expect(copy.attempt).toBe(1);
      }
      s.dispose();
    },
  );

  it.each(timed)(
    'hands out the attempt signal, aborted at the deadline, with %s',
    async (_, options) => {
      const clock = new ManualClock();
      let copy: ServiceContext | undefined;
      const s = service(
        (context) => {
          copy = { ...context };
          return new Promise<never>(() => {});
        },
        { ...options(clock), retry: false },
      );
      const call = s().catch((e: unknown) => e);
      await clock.advance(50);
      const error = await call;
      expect(TimeoutError.isInstance(error)).toBe(true);
      expect(copy?.signal.aborted).toBe(true);
      expect(copy?.signal.reason).toBe(error);
      s.dispose();
    },
  );

  it('is read-only and answers in, keys and JSON like a plain object', async () => {
    let context: ServiceContext | undefined;
    const s = service(
      (c) => {
        context = c;
        return 'ok';
      },
      { clock: new ManualClock(), timeout: 50, retry: false },
    );
    await s();
    const c = context as ServiceContext & Record<string, unknown>;
    expect('signal' in c && 'attempt' in c && !('other' in c)).toBe(true);
    expect(c.other).toBeUndefined();
    expect(JSON.parse(JSON.stringify(c))).toEqual({ signal: {}, attempt: 1 });
    expect(Reflect.set(c, 'attempt', 2)).toBe(false);
    expect(Reflect.defineProperty(c, 'x', { value: 1 })).toBe(false);
    expect(Reflect.deleteProperty(c, 'attempt')).toBe(false);
    expect(c.attempt).toBe(1);
    expect(Object.getOwnPropertyDescriptor(c, 'other')).toBeUndefined();
    s.dispose();
  });

  it('numbers the attempts of a retried call', async () => {
    const attempts: number[] = [];
    const s = service(
      ({ attempt }) => {
        attempts.push(attempt);
        return attempt < 3 ? Promise.reject(new Error('again')) : 'ok';
      },
      {
        clock: new ManualClock(),
        timeout: 50,
        retry: { attempts: 3, backoff: { delay: () => 0 } },
      },
    );
    await expect(s()).resolves.toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });
});
