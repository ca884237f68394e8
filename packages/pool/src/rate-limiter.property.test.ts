import { ManualClock } from '@dyno/core/testing';
import fc from 'fast-check';
import { RateLimitedError } from './errors.js';
import { RateLimiter } from './rate-limiter.js';

const arrival = fc.record({
  gap: fc.integer({ min: 0, max: 400 }),
  abortAfter: fc.option(fc.integer({ min: 0, max: 300 })),
});

describe('RateLimiter properties', () => {
  it('never lets more than burst + rate * window through in any window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rate: fc.constantFrom(1, 2, 3, 0.5, 7),
          interval: fc.constantFrom(100, 250, 1000),
          burst: fc.integer({ min: 1, max: 4 }),
          maxWait: fc.constantFrom(0, 100, 600),
        }),
        fc.array(arrival, { maxLength: 40 }),
        async (opts, arrivals) => {
          const clock = new ManualClock();
          const limiter = new RateLimiter({ ...opts, clock });
          const granted: number[] = [];
          const calls: Promise<void>[] = [];
          for (const a of arrivals) {
            await clock.advance(a.gap);
            const controller = new AbortController();
            if (a.abortAfter !== null) clock.setTimeout(() => controller.abort(), a.abortAfter);
            calls.push(
              limiter
                .execute(() => void granted.push(clock.now()), { signal: controller.signal })
                .catch((error) => {
                  if (RateLimitedError.isInstance(error))
                    expect(error.retryAfter).toBeGreaterThan(opts.maxWait);
                }),
            );
          }
          await clock.runAll();
          await Promise.all(calls);
          for (let i = 0; i < granted.length; i++) {
            for (let j = i; j < granted.length; j++) {
              const window = (granted[j] as number) - (granted[i] as number);
              expect(j - i + 1).toBeLessThanOrEqual(
                opts.burst + (window * opts.rate) / opts.interval + 1e-9,
              );
            }
          }
          expect(limiter.waiting).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
