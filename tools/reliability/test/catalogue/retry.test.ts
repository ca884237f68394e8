import { ManualClock, seededRandom } from '@dyno/core/testing';
import { CompoundError, ConstantBackoff, DecorrelatedJitterBackoff, Retry } from '@dyno/retry';

// The peers' retry bugs, one regression test each (see docs/reliability.md).

describe('peer bug: jitter delay becoming NaN after ~1,025 attempts (cockatiel#86)', () => {
  it('keeps every decorrelated jitter delay a number, never NaN, for 5,000 attempts', () => {
    const backoff = new DecorrelatedJitterBackoff({ base: 45_000, factor: 2 });
    const context = { attempt: 1, previous: 0, random: seededRandom(86), state: 0 };
    for (let attempt = 1; attempt <= 5_000; attempt++) {
      context.attempt = attempt;
      const delay = backoff.delay(context);
      expect(Number.isNaN(delay)).toBe(false);
      expect(delay).toBeGreaterThanOrEqual(0);
      context.previous = delay;
    }
  });

  it('answers Infinity, not NaN, once the growth is past the range of doubles', () => {
    for (const factor of [2, 1.5, 1.2]) {
      const backoff = new DecorrelatedJitterBackoff({ base: 100, factor });
      const context = { attempt: 1, previous: 0, random: seededRandom(86), state: 0 };
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 5_000; attempt++) {
        context.attempt = attempt;
        const delay = backoff.delay(context);
        delays.push(delay);
        context.previous = delay;
      }
      expect(delays.filter((d) => Number.isNaN(d))).toEqual([]);
      expect(delays.filter((d) => d < 0)).toEqual([]);
      expect(delays.at(-1)).toBe(Number.POSITIVE_INFINITY);
    }
  });

  it('never retries in a tight loop: after 1,100 failed attempts every wait is still maxDelay', async () => {
    const clock = new ManualClock();
    const policy = new Retry({
      attempts: 1_200,
      maxDelay: 10,
      clock,
      random: seededRandom(1),
      backoff: new DecorrelatedJitterBackoff({ base: 1_000 }),
    });
    const delays: number[] = [];
    policy.onRetry((event) => delays.push(event.delay));
    let calls = 0;
    const outcome = policy
      .execute(() => {
        calls++;
        throw new Error('down');
      })
      .catch((error: unknown) => error);
    await clock.runAll(2_000);
    expect(calls).toBe(1_200);
    expect(delays).toHaveLength(1_199);
    expect(delays.slice(1_000).every((d) => d === 10)).toBe(true);
    // 1,199 waits of 10 ms: the clock really moved, so no retry ran back to back
    expect(clock.now()).toBeGreaterThanOrEqual(1_199 * 10 - 10);
    expect(CompoundError.isInstance(await outcome)).toBe(true);
  });
});

describe('peer bug: a cancelled retry reporting the last failure instead of the cancellation (cockatiel#25)', () => {
  it('rejects with the abort reason when aborted during the backoff', async () => {
    const clock = new ManualClock();
    const policy = new Retry({ clock, backoff: new ConstantBackoff({ delay: 1_000 }) });
    const controller = new AbortController();
    const reason = new Error('caller went away');
    const outcome = policy
      .execute(
        () => {
          throw new Error('down');
        },
        { signal: controller.signal },
      )
      .catch((error: unknown) => error);
    await clock.advance(10);
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it('rejects with the abort reason even when fn rejects with its own error in answer to the abort', async () => {
    const clock = new ManualClock();
    const policy = new Retry({ clock, backoff: new ConstantBackoff({ delay: 1_000 }) });
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const outcome = policy
      .execute(
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => reject(new Error('fetch aborted')));
          }),
        { signal: controller.signal },
      )
      .catch((error: unknown) => error);
    await clock.advance(1);
    controller.abort(reason);
    expect(await outcome).toBe(reason);
  });
});
