import { BrokenCircuitError, CircuitBreaker } from '@dyno/breaker';
import { DisposedError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Metrics } from '@dyno/metrics';
import { Pool, PoolFullError, Timeout, TimeoutError } from '@dyno/pool';
import { CompoundError, Retry } from '@dyno/retry';
import { service } from './service.js';
import { quickRetry, settle, tripAfter, watchUnhandled } from './test-support/helpers.js';

const boom = () => Promise.reject(new Error('boom'));

describe('service', () => {
  it('passes the context and the arguments to fn and keeps this', async () => {
    const seen: unknown[] = [];
    const wrapped = service(
      function (this: unknown, ctx, a: number, b: string) {
        seen.push(this, ctx.attempt, ctx.signal instanceof AbortSignal, a, b);
        return `${a}${b}`;
      },
      { name: 'args' },
    );
    const self = { wrapped };
    await expect(self.wrapped(1, 'x')).resolves.toBe('1x');
    expect(seen).toEqual([self, 1, true, 1, 'x']);
  });

  it.each([0, 1, 2, 3, 5])('passes %i arguments in order, with the context first', async (n) => {
    const args = Array.from({ length: n }, (_, i) => `a${i}`);
    const wrapped = service(
      function (this: unknown, ctx, ...rest: string[]) {
        // biome-ignore lint/complexity/noArguments: counts what the service really passed
        return { self: this, attempt: ctx.attempt, rest, count: arguments.length };
      },
      { name: `arity-${n}` },
    );
    const self = { wrapped };
    const seen = await self.wrapped(...args);
    expect(seen).toEqual({ self, attempt: 1, rest: args, count: n + 1 });
    wrapped.dispose();
  });

  it('builds every part with its defaults when only a name is given', () => {
    const s = service(async () => 1, { name: 'users' });
    expect(s.name).toBe('users');
    expect(s.retry?.name).toBe('users');
    expect(s.breaker?.name).toBe('users');
    expect(s.breaker?.state).toBe('closed');
    expect(s.pool?.concurrency).toBe(10);
    expect(s.pool?.queue).toBe(0);
    expect(s.pool?.timeout).toBe(1000);
    expect(s.timeout).toBe(1000);
    expect(s.metrics?.name).toBe('users');
    s.dispose();
  });

  it('names itself after fn, else service#n', () => {
    async function getUser() {
      return 1;
    }
    expect(service(getUser).name).toBe('getUser');
    expect(service(async () => 1).name).toMatch(/^service#\d+$/);
  });

  it('wraps a function whose name cannot be read yet, as a registry ref before registration', async () => {
    let current: (() => Promise<number>) | undefined;
    const late = new Proxy(() => {}, {
      get(_, key) {
        if (current === undefined) throw new Error('not registered');
        return Reflect.get(current, key);
      },
      apply: () => current?.(),
    }) as unknown as () => Promise<number>;
    const s = service(late, { retry: false });
    expect(s.name).toMatch(/^service#\d+$/);
    current = async () => 42;
    await expect(s()).resolves.toBe(42);
  });

  it('turns every part off with false', async () => {
    const s = service(async (_, n: number) => n * 2, {
      retry: false,
      breaker: false,
      pool: false,
      timeout: false,
      metrics: false,
    });
    expect([s.retry, s.breaker, s.pool, s.metrics, s.timeout]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      false,
    ]);
    await expect(s(21)).resolves.toBe(42);
    const thrown = new Error('sync');
    const t = service(
      () => {
        throw thrown;
      },
      { retry: false, breaker: false, pool: false, timeout: false, metrics: false },
    );
    await expect(t()).rejects.toBe(thrown);
  });

  it('shares instances given to it and does not dispose them', async () => {
    const breaker = new CircuitBreaker({ name: 'shared' });
    const pool = new Pool({ name: 'shared-pool', concurrency: 2 });
    const retry = new Retry({ name: 'shared-retry' });
    const metrics = new Metrics({ name: 'shared-metrics' });
    const a = service(async () => 'a', { breaker, pool, retry, metrics });
    const b = service(async () => 'b', { breaker, pool, retry, metrics });
    expect(a.breaker).toBe(breaker);
    expect(b.pool).toBe(pool);
    expect(a.retry).toBe(retry);
    expect(b.metrics).toBe(metrics);
    await Promise.all([a(), b()]);
    expect(metrics.snapshot().counts.success).toBe(2);
    a.dispose();
    b.dispose();
    await expect(pool.execute(async () => 1)).resolves.toBe(1);
    expect(metrics.snapshot().counts.success).toBe(2);
  });

  it('retries failures and records every attempt', async () => {
    let calls = 0;
    const s = service(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { retry: quickRetry(3) },
    );
    await expect(s()).resolves.toBe('ok');
    const snap = s.metrics?.snapshot();
    expect(snap?.counts.failure).toBe(2);
    expect(snap?.counts.success).toBe(1);
    expect(snap?.retries).toBe(2);
    expect(snap?.latency.count).toBe(3);
    expect(snap?.inFlight).toBe(0);
  });

  it('rejects with a CompoundError holding every failure when retries run out', async () => {
    const s = service(boom, { retry: quickRetry(2), breaker: false });
    const error = await s().catch((e: unknown) => e);
    expect(CompoundError.isInstance(error)).toBe(true);
    expect((error as CompoundError).errors).toHaveLength(2);
  });

  it('does not retry a call its breaker short-circuits, and records it without latency', async () => {
    let calls = 0;
    const s = service(
      () => {
        calls++;
        return boom();
      },
      { retry: quickRetry(5), breaker: tripAfter(1) },
    );
    await s().catch(() => {});
    expect(s.breaker?.state).toBe('open');
    const before = calls;
    const error = await s().catch((e: unknown) => e);
    expect(calls).toBe(before);
    // refused once, never retried: the refusal itself, not inside a CompoundError
    expect(BrokenCircuitError.isInstance(error)).toBe(true);
    const snap = s.metrics?.snapshot();
    // the first call retried into the open circuit once, the second was refused at once
    expect(snap?.counts.shortCircuited).toBe(2);
    expect(snap?.latency.count).toBe(snap?.counts.failure);
    expect(snap?.circuit?.state).toBe('open');
  });

  it('does not retry a call its pool turns away, and records it as rejected', async () => {
    let release = () => {};
    const s = service(
      (_, hold: boolean) =>
        hold ? new Promise<string>((r) => (release = () => r('held'))) : 'quick',
      { retry: quickRetry(5), pool: { concurrency: 1 }, timeout: false },
    );
    const held = s(true);
    const error = await s(false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolFullError);
    release();
    await expect(held).resolves.toBe('held');
    const snap = s.metrics?.snapshot();
    expect(snap?.counts.rejected).toBe(1);
    expect(snap?.pool?.rejected).toBe(1);
    expect(snap?.pool?.executed).toBe(1);
  });

  it('keeps a user shouldRetry for everything but refusals', async () => {
    let calls = 0;
    const s = service(
      () => {
        calls++;
        return boom();
      },
      { retry: { ...quickRetry(4), shouldRetry: (o, attempt) => o.failed && attempt < 2 } },
    );
    await s().catch(() => {});
    expect(calls).toBe(2);
  });

  it('keeps a user isRetryable, and never asks it about refusals', async () => {
    const asked: unknown[] = [];
    let calls = 0;
    const s = service(
      () => {
        calls++;
        return Promise.reject(new Error(calls === 1 ? 'flaky' : 'fatal'));
      },
      {
        retry: {
          ...quickRetry(4),
          isRetryable: (error) => {
            asked.push((error as Error).message);
            return (error as Error).message !== 'fatal';
          },
        },
        breaker: tripAfter(3),
      },
    );
    await s().catch(() => {});
    expect(calls).toBe(2);
    expect(asked).toEqual(['flaky', 'fatal']);
    await s().catch(() => {}); // the third failure opens the circuit
    asked.length = 0;
    const error = await s().catch((e: unknown) => e);
    expect(BrokenCircuitError.isInstance(error)).toBe(true);
    expect(asked).toEqual([]);
  });

  it('times an attempt out in the pool, keeping the slot until fn settles', async () => {
    const clock = new ManualClock();
    let finish = () => {};
    let aborted: unknown;
    const s = service(
      ({ signal }) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
          });
          finish = () => resolve('late');
        }),
      { clock, retry: false, timeout: 50, pool: { concurrency: 1 } },
    );
    const call = s().catch((e: unknown) => e);
    await clock.advance(50);
    const error = await call;
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect(aborted).toBe(error);
    expect(s.pool?.active).toBe(1);
    finish();
    await settle();
    expect(s.pool?.active).toBe(0);
    const snap = s.metrics?.snapshot();
    expect(snap?.counts.timeout).toBe(1);
    expect(snap?.latency.percentiles['100']).toBeGreaterThanOrEqual(49);
  });

  it('puts a Timeout inside a shared pool, and none when that pool has its own', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, clock });
    const s = service(() => new Promise<never>(() => {}), {
      clock,
      retry: false,
      pool,
      timeout: 20,
    });
    expect(s.timeout).toBe(20);
    const call = s().catch((e: unknown) => e);
    await clock.advance(20);
    expect(TimeoutError.isInstance(await call)).toBe(true);
    expect(s.metrics?.snapshot().counts.timeout).toBe(1);

    const timedPool = new Pool({ concurrency: 1, timeout: 30 });
    expect(service(async () => 1, { pool: timedPool }).timeout).toBe(30);
    expect(service(async () => 1, { pool: timedPool, timeout: 10 }).timeout).toBe(10);
  });

  it('uses a Timeout layer when the pool is off, and the duration of a Timeout in a pool', async () => {
    const clock = new ManualClock();
    const s = service(() => new Promise<never>(() => {}), { clock, retry: false, pool: false });
    expect(s.timeout).toBe(1000);
    const call = s().catch((e: unknown) => e);
    await clock.advance(1000);
    expect(TimeoutError.isInstance(await call)).toBe(true);

    const timeout = new Timeout({ timeout: 5, clock });
    const t = service(() => new Promise<never>(() => {}), { clock, retry: false, timeout });
    expect(t.timeout).toBe(5);
    expect(t.pool?.timeout).toBe(5);
    const second = t().catch((e: unknown) => e);
    await clock.advance(5);
    // the pool applies the deadline, so the slot follows the pool's rules
    expect(((await second) as TimeoutError).source).toBe(t.pool?.name);
    expect(t.metrics?.snapshot().counts.timeout).toBe(1);
    const u = service(() => new Promise<never>(() => {}), {
      clock,
      pool: false,
      timeout,
      retry: false,
    });
    const third = u().catch((e: unknown) => e);
    await clock.advance(5);
    expect(((await third) as TimeoutError).source).toBe(timeout.name);
    expect(u.metrics?.snapshot().counts.timeout).toBe(1);
  });

  it('counts a timeout of a nested service inside fn as a failure', async () => {
    const clock = new ManualClock();
    const inner = service(() => new Promise<never>(() => {}), { clock, retry: false, timeout: 10 });
    const outer = service(() => inner(), { clock, retry: false, timeout: 100 });
    const call = outer().catch((e: unknown) => e);
    await clock.advance(10);
    expect(TimeoutError.isInstance(await call)).toBe(true);
    expect(outer.metrics?.snapshot().counts.failure).toBe(1);
    expect(outer.metrics?.snapshot().counts.timeout).toBe(0);
  });

  it('cancels a call with the caller signal, records nothing for a queued one, and no fallback', async () => {
    const controller = new AbortController();
    let release = () => {};
    const s = service(() => new Promise<string>((r) => (release = () => r('x'))), {
      pool: { concurrency: 1, queue: 1 },
      timeout: false,
      fallback: 'fallback',
    });
    const running = s();
    const queued = s.withSignal(controller.signal)();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    await expect(s.withSignal(controller.signal)()).rejects.toBe(reason);
    release();
    await expect(running).resolves.toBe('x');
    const snap = s.metrics?.snapshot();
    expect(snap?.requests).toBe(1);
    expect(snap?.counts.fallbackSuccess).toBe(0);
    expect(() => s.withSignal('x' as never)).toThrow(
      '@dyno/service: `signal` must be an AbortSignal; received "x"',
    );
  });

  it('releases a caller who aborts at once even with no retry and no deadline', async () => {
    const watch = watchUnhandled();
    let finish: (value: string) => void = () => {};
    const s = service(() => new Promise<string>((resolve) => (finish = resolve)), {
      retry: false,
      timeout: false,
      fallback: 'fallback',
    });
    const controller = new AbortController();
    const call = s.withSignal(controller.signal)();
    const reason = new Error('caller left');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(s.pool?.active).toBe(1); // fn runs on, in its slot
    finish('late');
    await settle();
    expect(s.pool?.active).toBe(0);
    // a call that ends before any abort is not held up
    const quick = s.withSignal(new AbortController().signal)();
    finish('quick');
    await expect(quick).resolves.toBe('quick');
    watch.stop();
    expect(watch.seen).toEqual([]);
  });

  it('gives fn the caller signal when no layer makes one', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const s = service(
      ({ signal }) => {
        seen = signal;
        return 1;
      },
      { retry: false, breaker: false, pool: false, timeout: false },
    );
    await s.withSignal(controller.signal)();
    expect(seen).toBe(controller.signal);
  });

  it('rejects after dispose, disposes the metrics it built and leaves its idle pool', async () => {
    const s = service(async () => 1);
    const pool = s.pool as Pool;
    const metrics = s.metrics as Metrics;
    s.dispose();
    s[Symbol.dispose]();
    expect(metrics.disposed).toBe(true);
    // nothing to release in an idle pool, and calls under way may still need it
    expect(pool.active + pool.queued).toBe(0);
    await expect(s()).rejects.toThrow(DisposedError);
  });

  it('builds its parts at the first call, from options checked at construction', async () => {
    const clock = new ManualClock();
    const reads = jest.spyOn(clock, 'now');
    const s = service(async () => 1, { name: 'lazy', clock });
    // the options were checked by building the parts once; the service keeps none of them
    const afterConstruction = reads.mock.calls.length;
    expect(afterConstruction).toBeGreaterThan(0);
    await expect(s()).resolves.toBe(1);
    expect(reads.mock.calls.length).toBeGreaterThan(afterConstruction + 1);
    const metrics = s.metrics;
    expect(metrics?.snapshot().counts.success).toBe(1);
    // the parts are built once and kept
    expect(s.metrics).toBe(metrics);
    expect(s.pool).toBe(s.pool);
    expect(() => service(async () => 1, { breaker: { openDuration: -1 } })).toThrow(RangeError);
    // a shared Metrics sees the parts once they exist: at the first call
    const shared = new Metrics({ clock });
    const t = service(async () => 2, { name: 'shared-metrics', clock, metrics: shared });
    expect(shared.snapshot().circuit).toBeNull();
    expect(shared.snapshot().pool).toBeNull();
    await t();
    expect(shared.snapshot().circuit?.state).toBe('closed');
    expect(shared.snapshot().pool?.concurrency).toBe(10);
    t.dispose();
    expect(() => service(async () => 1, { pool: { concurrency: 0 } })).toThrow(RangeError);
    s.dispose();
  });

  it('hands over parts first read after dispose disposed, and builds none for a call', async () => {
    const s = service(async () => 1, { name: 'never-called' });
    s.dispose();
    await expect(s()).rejects.toBeInstanceOf(DisposedError);
    expect(s.metrics?.disposed).toBe(true);
    expect(s.pool?.active).toBe(0);
  });

  it('keeps its parts and methods on a shared prototype, still a function', () => {
    const a = service(async () => 1, { name: 'a' });
    const b = service(async () => 2, { name: 'b' });
    expect(typeof a).toBe('function');
    expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
    expect(a instanceof Function).toBe(true);
    expect(a.name).toBe('a');
    expect(a.retry).not.toBe(b.retry);
    expect(typeof a.bind(undefined)).toBe('function');
    a.dispose();
    b.dispose();
  });

  it('leaves no unhandled rejection behind', async () => {
    const watch = watchUnhandled();
    const clock = new ManualClock();
    const s = service(
      // rejects after the timeout gave up on it
      () => new Promise((_, reject) => clock.setTimeout(() => reject(new Error('late')), 10)),
      { clock, retry: false, timeout: 5, fallback: () => Promise.reject(new Error('fb')) },
    );
    const call = s().catch((e: unknown) => e);
    await clock.advance(5);
    await call;
    await clock.advance(5);
    await settle();
    watch.stop();
    expect(watch.seen).toEqual([]);
  });
});
