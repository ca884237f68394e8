// Behaviour that mutation testing showed no other test pinned: each part turned off alone, the
// attempt's context, the clock let go after a refused call, and shared parts left alone.
import { CircuitBreaker } from '@dyno/breaker';
import { DisposedError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Metrics } from '@dyno/metrics';
import { Pool, Timeout, TimeoutError } from '@dyno/pool';
import { service } from './service.js';
import { quickRetry, tripAfter } from './test-support/helpers.js';

const boom = () => Promise.reject(new Error('boom'));

describe('service, one part at a time', () => {
  it('records outcomes and latency with no breaker', async () => {
    const clock = new ManualClock();
    const s = service(
      async () => {
        clock.set(clock.now() + 10);
        return 'ok';
      },
      { clock, breaker: false, retry: false },
    );
    await s();
    const failing = service(boom, { clock, breaker: false, retry: false, metrics: s.metrics });
    await failing().catch(() => {});
    const snap = s.metrics?.snapshot();
    expect(snap?.counts).toMatchObject({ success: 1, failure: 1 });
    expect(snap?.latency.percentiles['100']).toBe(10);
    failing.dispose();
    s.dispose();
  });

  it('counts outcomes in the breaker with no metrics', async () => {
    const s = service(boom, { metrics: false, retry: false, breaker: tripAfter(2) });
    await s().catch(() => {});
    await s().catch(() => {});
    expect(s.breaker?.state).toBe('open');
    const ok = service(async () => 'ok', { metrics: false, retry: false, breaker: tripAfter(1) });
    await expect(ok()).resolves.toBe('ok');
    expect(ok.breaker?.state).toBe('closed');
  });

  it('answers with the fallback with neither breaker nor metrics', async () => {
    const s = service(boom, { breaker: false, metrics: false, retry: false, fallback: 'spare' });
    await expect(s()).resolves.toBe('spare');
  });

  it('gives fn the attempt number and a signal that is never undefined', async () => {
    const seen: [number, boolean][] = [];
    const s = service(
      ({ attempt, signal }) => {
        seen.push([attempt, signal.aborted]);
        return attempt < 3 ? boom() : Promise.resolve('ok');
      },
      { retry: quickRetry(3) },
    );
    await expect(s()).resolves.toBe('ok');
    expect(seen).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
  });

  it("aborts fn's signal at its own deadline even when the caller gave a signal", async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const s = service(
      (context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
      { clock, retry: false, timeout: 50 },
    );
    const call = s
      .withSignal(new AbortController().signal)()
      .catch((e: unknown) => e);
    await clock.advance(50);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
  });

  it('lets go of its clock after a refused call, so later reads are fresh', async () => {
    const clock = new ManualClock();
    const s = service(boom, { clock, retry: false, breaker: tripAfter(1, 1_000) });
    await s().catch(() => {});
    await s().catch(() => {}); // short-circuited: fn never runs
    clock.set(1_000);
    expect(s.breaker?.state).toBe('half-open');
    expect(s.metrics?.snapshot().time).toBe(1_000);
  });

  it('reads a fresh time before its first call', () => {
    const clock = new ManualClock();
    const s = service(boom, { clock });
    clock.set(250);
    expect(s.metrics?.snapshot().time).toBe(250);
  });

  it('leaves no manual-clock timer behind once a call settled', async () => {
    const clock = new ManualClock();
    const s = service(async () => 'ok', { clock, timeout: 100 });
    await s();
    expect(clock.pending).toBe(0);
  });

  it('records no refusal for a call cancelled while queued', async () => {
    let release = () => {};
    const s = service(() => new Promise<void>((r) => (release = r)), {
      retry: false,
      pool: { concurrency: 1, queue: 1 },
    });
    const running = s();
    const controller = new AbortController();
    const queued = s.withSignal(controller.signal)();
    controller.abort();
    await queued.catch(() => {});
    release();
    await running;
    expect(s.metrics?.snapshot().counts).toMatchObject({ rejected: 0, success: 1 });
  });
});

describe('service, shared parts', () => {
  it('does not dispose a shared Metrics, and keeps a shared pool beside a Timeout', async () => {
    const metrics = new Metrics({ name: 'shared' });
    const pool = new Pool({ concurrency: 2 });
    const timeout = new Timeout({ timeout: 100 });
    const s = service(async () => 'ok', { metrics, pool, timeout });
    expect(s.pool).toBe(pool);
    expect(s.timeout).toBe(100);
    await s();
    s.dispose();
    expect(metrics.disposed).toBe(false);
    expect(pool.started).toBe(1);
  });

  it('rejects with DisposedError naming the service after dispose', async () => {
    const s = service(async () => 'ok', { name: 'users' });
    s.dispose();
    await expect(s()).rejects.toThrow(new DisposedError('Service', 'users'));
  });

  it('checks a retry option it wraps', () => {
    expect(() => service(boom, { retry: { isRetryable: 5 as never } })).toThrow(
      '@dyno/retry: option `isRetryable` must be a function; received 5',
    );
  });

  it('counts the outcome of a shared breaker on its own clock', async () => {
    const breakerClock = new ManualClock();
    const breaker = new CircuitBreaker({ clock: breakerClock, ...tripAfter(1, 1_000) });
    const s = service(boom, { clock: new ManualClock(), retry: false, breaker });
    await s().catch(() => {});
    expect(breaker.state).toBe('open');
    breakerClock.set(1_000);
    expect(breaker.state).toBe('half-open');
  });
});
