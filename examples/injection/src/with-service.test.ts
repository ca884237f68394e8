import { ManualClock } from '@dyno/core/testing';
import { createConverter, type Rates } from './with-service.js';

const live: Rates = { source: 'live', rate: () => 1.25 };

describe('a dependency built through @dyno/service', () => {
  it('retries a flaky connection and uses the live rates once it connects', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const { convert } = createConverter(async () => {
      calls++;
      if (calls < 3) throw new Error(`refused ${calls}`);
      return live;
    }, clock);
    const result = convert(10, 'EUR');
    await clock.runAll();
    await expect(result).resolves.toBe('10 EUR = 12.50 USD (live)');
    expect(calls).toBe(3);
    expect(clock.now()).toBe(100); // two 50 ms backoffs
  });

  it('falls back to fixed rates when every attempt times out, and opens the breaker later', async () => {
    const clock = new ManualClock();
    const seen: AbortSignal[] = [];
    const { convert, rates } = createConverter(
      (signal) =>
        new Promise<Rates>(() => {
          seen.push(signal);
        }),
      clock,
    );
    const first = convert(10, 'EUR');
    await clock.runAll();
    await expect(first).resolves.toBe('10 EUR = 11.00 USD (fixed)');
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s.aborted)).toBe(true); // each attempt's deadline aborted it
    expect(clock.now()).toBe(3 * 200 + 2 * 50);
    const second = convert(1, 'EUR');
    await clock.runAll();
    await expect(second).resolves.toContain('(fixed)');
    expect(rates.breaker?.state).toBe('open'); // five consecutive timeouts
    expect(clock.pending).toBe(0);
  });

  it("stops connecting when the caller aborts: no retry after the caller's abort", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const { convert } = createConverter(async () => {
      calls++;
      throw new Error(`refused ${calls}`);
    }, clock);
    const controller = new AbortController();
    const result = convert.run({ signal: controller.signal }, 10, 'EUR');
    await clock.advance(0);
    expect(calls).toBe(1);
    controller.abort(new Error('caller left'));
    await expect(result).rejects.toThrow('caller left');
    await clock.runAll();
    expect(calls).toBe(1); // the backoff ended with the abort: no second attempt
    expect(clock.pending).toBe(0);
  });
});
