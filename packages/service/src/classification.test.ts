import { CircuitBreaker } from '@dyno/breaker';
import { ManualClock } from '@dyno/core/testing';
import { Pool, PoolFullError } from '@dyno/pool';
import { Retry } from '@dyno/retry';
import { service } from './service.js';
import { quickRetry, tripAfter, watchUnhandled } from './test-support/helpers.js';

class NotFound extends Error {}

/** A function whose first call hangs until `release()`, and whose other calls answer at once. */
function holdFirst() {
  let release: (v: string) => void = () => {};
  let calls = 0;
  const fn = () => (++calls === 1 ? new Promise<string>((r) => (release = r)) : 'quick');
  return { fn, release: (v = 'held') => release(v) };
}

describe('service classification: breaker, retry and fallback decide apart', () => {
  it("asks the breaker's isFailure once per failed attempt", async () => {
    const isFailure = jest.fn((_v: unknown, kind: 'error' | 'result') => kind === 'error');
    const s = service(() => Promise.reject(new Error('down')), {
      retry: quickRetry(3),
      breaker: { isFailure },
      fallback: 'fb',
    });
    await expect(s()).resolves.toBe('fb');
    expect(isFailure.mock.calls.map((c) => c[1])).toEqual(['error', 'error', 'error']);
  });

  it('gives the fallback under overload with the breaker config the README used to advise', async () => {
    const { fn, release } = holdFirst();
    const s = service(fn, {
      retry: false,
      timeout: false,
      pool: { concurrency: 1 },
      breaker: { isFailure: (v, kind) => kind === 'error' && !PoolFullError.isInstance(v) },
      fallback: (error) => (PoolFullError.isInstance(error) ? 'busy' : 'other'),
    });
    const held = s();
    await expect(s()).resolves.toBe('busy');
    release();
    await expect(held).resolves.toBe('held');
  });

  it("keeps the pool's refusals out of the breaker's count by default", async () => {
    const { fn, release } = holdFirst();
    const s = service(fn, {
      retry: false,
      timeout: false,
      pool: { concurrency: 1 },
      breaker: tripAfter(1),
      fallback: 'busy',
    });
    const held = s();
    for (let i = 0; i < 5; i++) await expect(s()).resolves.toBe('busy');
    expect(s.breaker?.state).toBe('closed');
    expect(s.metrics?.snapshot().counts.rejected).toBe(5);
    release();
    await held;
  });

  it('gives a half-open probe that the pool refused its permit back', async () => {
    const clock = new ManualClock();
    const pool = new Pool({ concurrency: 1, clock });
    const breaker = new CircuitBreaker({ ...tripAfter(1, 1_000), clock });
    let healthy = false;
    const s = service(() => (healthy ? 'ok' : Promise.reject(new Error('down'))), {
      clock,
      retry: false,
      pool,
      breaker,
    });
    await s().catch(() => {});
    expect(breaker.state).toBe('open');
    healthy = true;
    clock.set(1_000);
    // someone else holds the shared pool's only slot
    let free = () => {};
    const other = pool.execute(() => new Promise<void>((r) => (free = r)));
    await expect(s()).rejects.toBeInstanceOf(PoolFullError);
    expect(breaker.state).toBe('half-open');
    free();
    await other;
    await expect(s()).resolves.toBe('ok'); // the probe: its permit was free again
    expect(breaker.state).toBe('closed');
    s.dispose();
  });

  it('retries and falls back by their own options, whatever the breaker counts', async () => {
    const isFailure = (v: unknown, kind: 'error' | 'result') =>
      kind === 'error' && !(v instanceof NotFound);
    const fn = jest.fn(() => Promise.reject(new NotFound('gone')));
    const s = service(fn, { retry: quickRetry(3), breaker: { isFailure }, fallback: 'fb' });
    await expect(s()).resolves.toBe('fb');
    expect(fn).toHaveBeenCalledTimes(3);

    const notFound = new NotFound('gone');
    const fallback = jest.fn(() => 'fb');
    const t = service(() => Promise.reject(notFound), {
      retry: { ...quickRetry(3), isRetryable: (e) => !(e instanceof NotFound) },
      breaker: { isFailure },
      fallback,
      fallbackOn: (e) => !(e instanceof NotFound),
    });
    // never retried: the error itself, not a CompoundError, and no fallback
    await expect(t()).rejects.toBe(notFound);
    expect(fallback).not.toHaveBeenCalled();
    expect(t.breaker?.state).toBe('closed');
  });

  it('asks fallbackOn once per failed call, with what the call would reject with', async () => {
    const fallbackOn = jest.fn(() => true);
    const s = service(() => Promise.reject(new Error('down')), {
      retry: quickRetry(2),
      fallback: 'fb',
      fallbackOn,
    });
    await expect(s()).resolves.toBe('fb');
    expect(fallbackOn).toHaveBeenCalledTimes(1);
    expect((fallbackOn.mock.calls[0] as unknown[])[0]).toMatchObject({
      code: 'DYNO_RETRY_EXHAUSTED',
    });
  });

  it('gives a non-retryable failure after one attempt to the caller and the fallback as itself', async () => {
    const notFound = new NotFound('gone');
    const seen: unknown[] = [];
    const s = service(() => Promise.reject(notFound), {
      retry: { ...quickRetry(3), isRetryable: () => false },
      fallback: (error) => {
        seen.push(error);
        return 'fb';
      },
    });
    await expect(s()).resolves.toBe('fb');
    expect(seen[0]).toBe(notFound);
    const t = service(() => Promise.reject(notFound), {
      retry: { ...quickRetry(3), isRetryable: () => false },
    });
    const error = await t().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFound);
  });
});

describe('service with a predicate of the user that throws', () => {
  const bug = new Error('predicate bug');

  it.each([
    ['a Retry built from options', { retry: quickRetry(3) }],
    ['no retry', { retry: false as const }],
  ])("rejects with what the breaker's isFailure threw, with %s", async (_, parts) => {
    const unhandled = watchUnhandled();
    let broken = true;
    const fn = jest.fn(() => Promise.reject(new Error('down')));
    const fallback = jest.fn(() => 'fb');
    const s = service(fn, {
      ...parts,
      breaker: {
        ...tripAfter(1),
        isFailure: () => {
          if (broken) throw bug;
          return true;
        },
      },
      fallback,
    });
    await expect(s()).rejects.toBe(bug);
    expect(fn).toHaveBeenCalledTimes(1); // not retried
    expect(fallback).not.toHaveBeenCalled();
    expect(s.breaker?.state).toBe('closed'); // counted as neither
    expect(s.metrics?.snapshot().counts.failure).toBe(1);
    broken = false;
    await expect(s()).resolves.toBe('fb');
    expect(s.breaker?.state).toBe('open');
    unhandled.stop();
    expect(unhandled.seen).toEqual([]);
  });

  it('rejects with what isFailure threw on a result, without retrying', async () => {
    const fn = jest.fn(async () => 'value');
    const s = service(fn, {
      retry: quickRetry(3),
      breaker: {
        isFailure: (_v, kind) => {
          if (kind === 'result') throw bug;
          return true;
        },
      },
      fallback: 'fb',
    });
    await expect(s()).rejects.toBe(bug);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(s.metrics?.snapshot().counts.success).toBe(1);
  });

  it('rejects with what isFailure threw, under a Retry of your own too', async () => {
    const s = service(() => Promise.reject(new Error('down')), {
      retry: new Retry(quickRetry(2)),
      breaker: {
        isFailure: () => {
          throw bug;
        },
      },
      fallback: 'fb',
    });
    await expect(s()).rejects.toBe(bug);
  });

  it('rejects with what fallbackOn or retry.isRetryable threw', async () => {
    const s = service(() => Promise.reject(new Error('down')), {
      retry: false,
      fallback: 'fb',
      fallbackOn: () => {
        throw bug;
      },
    });
    await expect(s()).rejects.toBe(bug);
    const t = service(() => Promise.reject(new Error('down')), {
      retry: {
        ...quickRetry(3),
        isRetryable: () => {
          throw bug;
        },
      },
    });
    await expect(t()).rejects.toBe(bug);
  });

  it('rejects with a TypeError naming an async fallbackOn, never answering with the fallback', async () => {
    // a promise is truthy: `fallbackOn: async () => false` answered every failure
    const fallback = jest.fn(() => 'fb');
    const s = service(() => Promise.reject(new Error('down')), {
      retry: false,
      fallback,
      fallbackOn: (async () => false) as never,
    });
    await expect(s()).rejects.toThrow(
      '@dyno/service: `fallbackOn` must return a boolean; it returned a promise',
    );
    expect(fallback).not.toHaveBeenCalled();
  });

  it.each([
    ['isRetryable', 'an error', 'fails'],
    ['shouldRetry', 'an error', 'fails'],
    ['shouldRetry', 'a result', 'answers'],
  ])('rejects with what retry.%s threw on %s, never with the fallback', async (option, _, how) => {
    // the fallback used to answer it: the service took the predicate's throw for a failure
    const unhandled = watchUnhandled();
    for (const thrown of [bug, 'not an Error', undefined]) {
      const fn = jest.fn(() => (how === 'fails' ? Promise.reject(new Error('down')) : 'value'));
      const fallback = jest.fn(() => 'fb');
      const fallbacks: unknown[] = [];
      const s = service(fn, {
        retry: {
          ...quickRetry(3),
          [option]: () => {
            throw thrown;
          },
        },
        fallback,
      });
      s.onFallback((e) => fallbacks.push(e));
      await expect(s()).rejects.toBe(thrown);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(fallback).not.toHaveBeenCalled();
      expect(fallbacks).toEqual([]);
      const counts = s.metrics?.snapshot().counts;
      expect([counts?.fallbackSuccess, counts?.fallbackFailure]).toEqual([0, 0]);
    }
    unhandled.stop();
    expect(unhandled.seen).toEqual([]);
  });
});
