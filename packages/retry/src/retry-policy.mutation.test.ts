import { flushPromises, ManualClock } from '@dyno/core/testing';
import { DecorrelatedJitterBackoff } from './backoff/decorrelated-jitter.js';
import { CompoundError } from './errors.js';
import { retry } from './retry.js';
import { RetryBudget } from './retry-budget.js';
import { Retry } from './retry-policy.js';

// Behaviour that mutation testing (docs/reliability.md) showed no other test pinned down.

const firstDelay = (random: () => number, attempt = 1) =>
  new DecorrelatedJitterBackoff({ base: 100 }).delay({ attempt, previous: 0, random, state: 1.5 });

describe('DecorrelatedJitterBackoff randomness', () => {
  it('uses a random draw anywhere in [0, 1), the ends included', () => {
    const half = firstDelay(() => 0.5, 2);
    expect(firstDelay(() => 0, 2)).not.toBe(half);
    expect(firstDelay(() => 0.1, 2)).not.toBe(half);
    expect(firstDelay(() => 0.999, 2)).not.toBe(half);
  });

  it('treats a custom random outside [0, 1) as 0.5', () => {
    const half = firstDelay(() => 0.5, 2);
    expect(firstDelay(() => 1, 2)).toBe(half);
    expect(firstDelay(() => -0.25, 2)).toBe(half);
    expect(firstDelay(() => 7, 2)).toBe(half);
  });

  it('waits 0 with base 0, even past the range of doubles', () => {
    const backoff = new DecorrelatedJitterBackoff({ base: 0 });
    const context = { attempt: 1, previous: 0, random: () => 0.5, state: 0 };
    for (let attempt = 1; attempt <= 1_100; attempt++) {
      context.attempt = attempt;
      expect(backoff.delay(context)).toBe(0);
    }
  });
});

describe('CompoundError details', () => {
  it('quotes the last failure in its message, whether an Error, a string or an object with a message', async () => {
    const policy = new Retry({ attempts: 2, maxDelay: 0 });
    const message = async (thrown: unknown) =>
      ((await policy.execute(() => Promise.reject(thrown)).catch((e: unknown) => e)) as Error)
        .message;
    expect(await message(new Error('disk full'))).toMatch(/: disk full$/);
    expect(await message('plain string')).toMatch(/: plain string$/);
    expect(await message({ message: 'duck' })).toMatch(/: duck$/);
  });

  it('keeps a frozen history with every attempt duration', async () => {
    const clock = new ManualClock();
    const policy = new Retry({ attempts: 2, clock, maxDelay: 0 });
    const outcome = policy
      .execute(
        () => new Promise((_, reject) => clock.setTimeout(() => reject(new Error('slow')), 30)),
      )
      .catch((e: unknown) => e as CompoundError);
    await clock.advance(30);
    await clock.advance(30);
    const error = (await outcome) as CompoundError;
    expect(CompoundError.isInstance(error)).toBe(true);
    expect(Object.isFrozen(error.attempts)).toBe(true);
    expect(error.attempts.map((a) => a.duration)).toEqual([30, 30]);
    expect(error.attempts.map((a) => a.start)).toEqual([0, 30]);
  });
});

describe('Retry without waiting', () => {
  it('retries at once, without a timer, when the delay is 0', async () => {
    const clock = new ManualClock();
    const policy = new Retry({ attempts: 3, clock, maxDelay: 0 });
    let calls = 0;
    const result = policy.execute(() => (++calls < 3 ? Promise.reject(new Error('x')) : 'done'));
    await flushPromises();
    expect(clock.pending).toBe(0);
    await expect(result).resolves.toBe('done');
  });
});

describe('Retry option kinds', () => {
  it('rejects a backoff or budget that is not one, and non-object options', () => {
    expect(() => new Retry({ backoff: {} as never })).toThrow(TypeError);
    expect(() => new Retry({ backoff: { delay: 5 } as never })).toThrow(TypeError);
    expect(() => new Retry({ backoff: null as never })).toThrow(TypeError);
    expect(() => new Retry({ budget: null as never })).toThrow(TypeError);
    expect(() => new Retry({ budget: { recordCall() {} } as never })).toThrow(TypeError);
    expect(() => new Retry({ budget: { tryRetry: () => true } as never })).toThrow(TypeError);
    expect(() => new Retry({ budget: new RetryBudget() })).not.toThrow();
    expect(() => retry(() => 1, 5 as never)).toThrow(
      '@dyno/retry: options must be an object; received 5',
    );
    expect(() => retry(() => 1, [] as never)).toThrow(TypeError);
    expect(() => retry(() => 1, null as never)).toThrow(TypeError);
  });
});
