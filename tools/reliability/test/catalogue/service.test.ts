import { ManualClock } from '@dyno/core/testing';
import { type ServiceContext, service } from '@dyno/service';
import { realProcess } from '../support/real-process.js';

// The peers' fallback bugs, one regression test each (see docs/reliability.md).

describe('peer bug: an error filter\'s "not a failure" still triggering fallback (opossum#540)', () => {
  // Which failures the fallback answers is its own decision (`fallbackOn`), apart from what the
  // breaker counts: an error filtered out of the fallback reaches the caller as itself.
  it('rejects with the filtered error itself and does not call the fallback', async () => {
    const clock = new ManualClock();
    const fallback = jest.fn(() => 'fallback');
    const notFound = Object.assign(new Error('not found'), { status: 404 });
    const svc = service((_context: ServiceContext) => Promise.reject(notFound), {
      clock,
      retry: false,
      breaker: { isFailure: (value, kind) => kind === 'error' && value !== notFound },
      fallbackOn: (error) => error !== notFound,
      fallback,
    });
    const failures: unknown[] = [];
    svc.breaker?.onFailure(({ error }) => failures.push(error));
    await expect(svc()).rejects.toBe(notFound);
    expect(fallback).not.toHaveBeenCalled();
    expect(failures).toEqual([]);
    svc.dispose();
  });
});

describe('peer bug: fallback rejections left unobserved (opossum#100, opossum#198)', () => {
  it('rejects the caller with the fallback failure and leaves no unhandled rejection', async () => {
    const clock = new ManualClock();
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    realProcess.on('unhandledRejection', listener);
    const fallbackDown = new Error('fallback down too');
    try {
      const svc = service((_context: ServiceContext) => Promise.reject(new Error('down')), {
        clock,
        retry: false,
        fallback: () => Promise.reject(fallbackDown),
      });
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          svc().then(
            () => 'resolved',
            (error: unknown) => error,
          ),
        ),
      );
      // the fallback is the caller's code: what it rejects with is the call's rejection, as itself
      expect(outcomes.every((o) => o === fallbackDown)).toBe(true);
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
    const noValue = new Error('no fallback value');
    const fallback = jest.fn(() => Promise.reject(noValue));
    let fail!: (error: Error) => void;
    const svc = service((_context: ServiceContext) => new Promise((_, reject) => (fail = reject)), {
      clock,
      retry: false,
      timeout: 100,
      fallback,
    });
    const outcome = svc().catch((error: unknown) => error);
    await clock.advance(100);
    expect(await outcome).toBe(noValue);
    fail(new Error('late'));
    await clock.advance(10);
    expect(fallback).toHaveBeenCalledTimes(1);
    svc.dispose();
  });
});
