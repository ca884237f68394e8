import { ManualClock } from '@dyno/core/testing';
import { type ServiceContext, service } from '@dyno/service';
import { realProcess } from '../support/real-process.js';

// The peers' fallback bugs, one regression test each (see docs/reliability.md).

describe('peer bug: an error filter\'s "not a failure" still triggering fallback (opossum#540)', () => {
  it('rejects with the filtered error itself and does not call the fallback', async () => {
    const clock = new ManualClock();
    const fallback = jest.fn(() => 'fallback');
    const notFound = Object.assign(new Error('not found'), { status: 404 });
    const svc = service((_context: ServiceContext) => Promise.reject(notFound), {
      clock,
      retry: false,
      breaker: { isFailure: (value, kind) => kind === 'error' && value !== notFound },
      fallback,
    });
    await expect(svc()).rejects.toBe(notFound);
    expect(fallback).not.toHaveBeenCalled();
    svc.dispose();
  });
});

describe('peer bug: fallback rejections left unobserved (opossum#100, opossum#198)', () => {
  it('rejects the caller with the fallback failure and leaves no unhandled rejection', async () => {
    const clock = new ManualClock();
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    realProcess.on('unhandledRejection', listener);
    try {
      const svc = service((_context: ServiceContext) => Promise.reject(new Error('down')), {
        clock,
        retry: false,
        fallback: () => Promise.reject(new Error('fallback down too')),
      });
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          svc().then(
            () => 'resolved',
            (error: unknown) => (error as Error).name,
          ),
        ),
      );
      expect(outcomes.every((o) => o === 'FallbackError')).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      svc.dispose();
    } finally {
      realProcess.off('unhandledRejection', listener);
    }
  });

  it('calls the fallback once for a timed-out call that also fails late', async () => {
    const clock = new ManualClock();
    const fallback = jest.fn(() => Promise.reject(new Error('no fallback value')));
    let fail!: (error: Error) => void;
    const svc = service((_context: ServiceContext) => new Promise((_, reject) => (fail = reject)), {
      clock,
      retry: false,
      timeout: 100,
      fallback,
    });
    const outcome = svc().catch((error: unknown) => (error as Error).name);
    await clock.advance(100);
    expect(await outcome).toBe('FallbackError');
    fail(new Error('late'));
    await clock.advance(10);
    expect(fallback).toHaveBeenCalledTimes(1);
    svc.dispose();
  });
});
