import { DisposedError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Metrics } from './metrics.js';
import { DEFAULT_LATENCY_BOUNDARIES } from './options.js';

const make = (clock = new ManualClock(), options = {}) =>
  new Metrics({ name: 'm', clock, ...options });

describe('Metrics', () => {
  it('counts each outcome over the rolling window', () => {
    const m = make();
    for (const o of [
      'success',
      'success',
      'failure',
      'timeout',
      'short-circuited',
      'rejected',
    ] as const)
      m.record(o);
    m.record('fallback-success');
    m.record('fallback-failure');
    const s = m.snapshot();
    expect(s.counts).toEqual({
      success: 2,
      failure: 1,
      timeout: 1,
      shortCircuited: 1,
      rejected: 1,
      fallbackSuccess: 1,
      fallbackFailure: 1,
    });
    expect(s.requests).toBe(6);
    expect(s.errors).toBe(4);
    expect(s.errorPercentage).toBeCloseTo(66.667, 2);
    // at t = 0 the window covers its nine full buckets (the current one has just begun)
    expect(s.requestRate).toBeCloseTo(6 / 9, 10);
  });

  it('keeps cumulative latency buckets since creation while the latency window rolls', async () => {
    const clock = new ManualClock();
    const m = make(clock, { latencyBoundaries: [1, 10, 100] });
    for (const v of [0.5, 3, 20, 20_000]) m.record('success', v);
    expect(m.snapshot().latency.buckets).toEqual({ le: [1, 10, 100], counts: [1, 2, 3, 4] });
    await clock.advance(70_000); // every latency bucket rolled out of the window
    m.record('failure', 9);
    const s = m.snapshot();
    expect(s.latency.count).toBe(1);
    expect(s.latency.buckets.counts).toEqual([1, 3, 4, 5]);
    expect(s.latency.buckets.counts[3]).toBe(s.latency.totalCount);
    expect(make().snapshot().latency.buckets.le).toEqual(DEFAULT_LATENCY_BOUNDARIES);
  });

  it('reads a steady rate as steady: no sawtooth as the current bucket fills', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const rates: number[] = [];
    // 10 calls a second for 30 s; the rate read every 50 ms from 20 s on
    for (let t = 0; t < 30_000; t += 50) {
      if (t % 100 === 0) m.record('success', 1, t);
      await clock.advance(50);
      if (t >= 20_000) rates.push(m.snapshot().requestRate);
    }
    expect(Math.min(...rates)).toBeGreaterThan(9.8);
    expect(Math.max(...rates)).toBeLessThan(10.2);
  });

  it('reads the rate over the whole window with a single bucket', async () => {
    const clock = new ManualClock();
    const m = make(clock, { buckets: 1 });
    m.record('success');
    m.record('success');
    expect(m.snapshot().requestRate).toBe(0.2);
  });

  it('reports 0 % errors and empty latency with no requests', () => {
    const s = make().snapshot();
    expect(s.errorPercentage).toBe(0);
    expect(s.latency.count).toBe(0);
    expect(s.latency.mean).toBeNull();
    expect(s.latency.percentiles['50']).toBeNull();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('drops a bucket once it leaves the 10 s window', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    m.record('failure');
    await clock.advance(5_000);
    m.record('success');
    await clock.advance(4_999);
    expect(m.snapshot().requests).toBe(2);
    await clock.advance(1);
    expect(m.snapshot().counts).toMatchObject({ failure: 0, success: 1 });
    await clock.advance(5_000);
    expect(m.snapshot().requests).toBe(0);
  });

  it('empties every window after a long idle period, latency included (stale mean regression)', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    for (let i = 0; i < 100; i++) m.record('success', 50);
    expect(m.snapshot().latency.mean).toBe(50);
    await clock.advance(3_600_000);
    const s = m.snapshot();
    expect(s.requests).toBe(0);
    expect(s.latency.count).toBe(0);
    expect(s.latency.mean).toBeNull();
    m.record('success', 7);
    expect(m.snapshot().latency.mean).toBe(7);
    expect(m.snapshot().totals.success).toBe(101);
  });

  it('keeps the latency window exact over 30,000 rolls of 1e15, 1 and 0.1 ms: nothing drifts', async () => {
    // the window keeps no running sum that rolls subtract from: it merges its buckets' histograms
    // at each read, so rounding never accumulates, an empty window has no mean, and a mean of
    // positive latencies stays between the smallest and the largest
    const clock = new ManualClock();
    const m = make(clock, { latencyWindow: 1000, latencyBuckets: 10 });
    const values = [1e15, 1, 0.1, 0.1, 1, 0.1, 0.1];
    const recent: number[] = [];
    for (let i = 0; i < 30_000; i++) {
      const v = values[i % values.length] as number;
      m.record('success', v);
      recent.push(v);
      if (recent.length > 10) recent.shift();
      if (i % 997 === 0 || i === 29_999) {
        const { latency } = m.snapshot();
        const exact = recent.reduce((a, b) => a + b, 0) / recent.length;
        expect(latency.count).toBe(recent.length);
        expect(Math.abs((latency.mean as number) - exact) / exact).toBeLessThan(1e-14);
        expect(latency.mean).toBeGreaterThanOrEqual(latency.percentiles['0'] as number);
        expect(latency.mean).toBeLessThanOrEqual(latency.percentiles['100'] as number);
      }
      await clock.advance(100);
    }
    await clock.advance(1000);
    const { latency } = m.snapshot();
    expect(latency.count).toBe(0);
    expect(latency.mean).toBeNull();
    expect(latency.percentiles['50']).toBeNull();
    expect(latency.totalCount).toBe(30_000);
  });

  it('keeps latency for 60 s while counters roll after 10 s', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    m.record('success', 10);
    await clock.advance(30_000);
    const s = m.snapshot();
    expect(s.requests).toBe(0);
    expect(s.latency.count).toBe(1);
    expect(s.latency.percentiles['100']).toBe(10);
    await clock.advance(30_000);
    expect(m.snapshot().latency.count).toBe(0);
  });

  it('reports percentiles p0 to p100 and the mean', () => {
    const m = make();
    for (let i = 1; i <= 100; i++) m.record('success', i);
    const { latency } = m.snapshot();
    expect(latency.mean).toBe(50.5);
    expect(latency.percentiles['0']).toBe(1);
    expect(latency.percentiles['100']).toBe(100);
    expect(latency.percentiles['50']).toBeCloseTo(51, -0.5);
    expect(latency.percentiles['99.5']).toBeCloseTo(100, -0.5);
    expect(Object.keys(latency.percentiles).sort()).toEqual([
      '0',
      '100',
      '25',
      '50',
      '75',
      '90',
      '95',
      '99',
      '99.5',
    ]);
    expect(latency.totalCount).toBe(100);
    expect(latency.totalSum).toBe(5050);
  });

  it('ignores a time before the latest one seen (it counts in the current bucket)', async () => {
    const clock = new ManualClock(100_000);
    const m = make(clock);
    m.record('success', 1, 0);
    m.record('success', 1, 99_999);
    expect(m.snapshot().counts.success).toBe(2);
  });

  it('reads the rate at a clock behind a time already seen as at the current bucket: never negative', () => {
    const clock = new ManualClock();
    const m = make(clock);
    m.record('success', 1, 25_000); // a time the clock has not reached
    const s = m.snapshot();
    expect(s.requests).toBe(1);
    // the 9 full buckets before the current one, which has just begun
    expect(s.requestRate).toBeCloseTo(1 / 9);
  });

  it('uses a given time instead of reading the clock', () => {
    const clock = new ManualClock();
    const now = jest.spyOn(clock, 'now');
    const m = make(clock);
    now.mockClear();
    m.record('success', 3, 0);
    m.end('success', m.begin(0), 1);
    expect(now).not.toHaveBeenCalled();
    m.record('success', 3);
    expect(now).toHaveBeenCalledTimes(1);
  });

  it('tracks calls in flight and their rolling maximum', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const a = m.begin();
    const b = m.begin();
    m.begin();
    await clock.advance(20);
    m.end('success', a);
    m.end('failure', b);
    let s = m.snapshot();
    expect(s.inFlight).toBe(1);
    expect(m.inFlight).toBe(1);
    expect(s.maxInFlight).toBe(3);
    expect(s.latency.percentiles['100']).toBe(20);
    await clock.advance(60_000);
    s = m.snapshot();
    // the one call still in flight keeps the maximum at 1, not 0
    expect(s.maxInFlight).toBe(1);
  });

  it('never lets the gauge go below zero, and clamps a latency from a later start to 0', () => {
    const m = make();
    m.end('success', 50, 10);
    const s = m.snapshot();
    expect(s.inFlight).toBe(0);
    expect(s.latency.percentiles['0']).toBe(0);
  });

  it('rejects an unknown outcome and a bad latency before counting anything', () => {
    const m = make();
    expect(() => m.record('ok' as never)).toThrow(
      new TypeError(
        '@dyno/metrics: outcome must be one of "success", "failure", "timeout", "short-circuited", "rejected", "fallback-success", "fallback-failure"; received "ok"',
      ),
    );
    expect(() => m.end(3 as never, 0)).toThrow(/received 3$/);
    expect(() => m.record('success', -1)).toThrow(
      new RangeError('@dyno/metrics: a latency must be finite and >= 0 ms; received -1'),
    );
    expect(() => m.record('success', Number.NaN)).toThrow(RangeError);
    expect(m.snapshot().requests).toBe(0);
  });

  it('rejects a latency that is not a number before counting anything (it counted, then threw)', () => {
    const m = make();
    expect(() => m.record('success', '5' as never)).toThrow(
      new TypeError('@dyno/metrics: a latency must be a number of ms or undefined; received "5"'),
    );
    for (const latency of [null, true, 5n, { valueOf: () => 5 }]) {
      expect(() => m.record('success', latency as never)).toThrow(TypeError);
    }
    const s = m.snapshot();
    expect(s.totals.success).toBe(0);
    expect(s.latency.totalCount).toBe(0);
  });

  it('rejects a time that is not finite before counting anything (one NaN emptied the windows for good)', async () => {
    const clock = new ManualClock(1000);
    const m = make(clock);
    expect(() => m.record('success', 5, Number.NaN)).toThrow(
      new RangeError('@dyno/metrics: a time must be a finite number of ms; received NaN'),
    );
    expect(() => m.record('success', 5, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => m.begin(Number.NaN)).toThrow(RangeError);
    const start = m.begin();
    expect(() => m.end('success', start, Number.NaN)).toThrow(RangeError);
    expect(m.inFlight).toBe(1);
    m.end('success', start, 1000);
    await clock.advance(70_000);
    m.record('success', 5);
    const s = m.snapshot();
    expect(s.totals.success).toBe(2);
    expect(s.requests).toBe(1);
    expect(s.latency.count).toBe(1);
    expect(s.latency.buckets.counts.at(-1)).toBe(s.latency.totalCount);
  });

  it('never lowers a cumulative latency bucket (10 ms, the slowest, counted at or below 10 ms until 40 ms came)', async () => {
    const clock = new ManualClock();
    const m = make(clock, { latencyBoundaries: [10, 100] });
    m.record('success', 3);
    m.record('success', 10); // integer latencies, as a clock of whole ms gives
    const counts = [m.snapshot().latency.buckets.counts];
    m.record('success', 40);
    counts.push(m.snapshot().latency.buckets.counts);
    await clock.advance(70_000); // every latency bucket folded
    m.record('success', 50);
    counts.push(m.snapshot().latency.buckets.counts);
    for (let i = 1; i < counts.length; i++) {
      const [before, after] = [counts[i - 1] as number[], counts[i] as number[]];
      for (let k = 0; k < after.length; k++)
        expect(after[k]).toBeGreaterThanOrEqual(before[k] as number);
    }
    expect(counts.at(-1)).toEqual([2, 4, 4]);
  });

  it('rejects an end whose start is not a time, before counting anything (it counted 0 ms)', () => {
    const clock = new ManualClock(1000);
    const m = make(clock);
    m.begin();
    for (const start of [
      Number.NaN,
      undefined,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]) {
      expect(() => m.end('success', start as never)).toThrow(
        /^@dyno\/metrics: a latency must be finite and >= 0 ms; received/,
      );
    }
    expect(m.inFlight).toBe(1);
    expect(m.snapshot().totals.success).toBe(0);
    m.end('success', 2000); // a start after now: 0 ms, as before
    const s = m.snapshot();
    expect(s.totals.success).toBe(1);
    expect(s.latency.percentiles['100']).toBe(0);
    expect(s.inFlight).toBe(0);
  });

  it('reports its state size: counters only until a latency is recorded', () => {
    const m = make();
    const bare = m.byteLength;
    // 32-bit window counters, 64-bit totals and intervals since creation
    expect(bare).toBe(10 * 13 * 4 + 11 * 8 + 17 * 8);
    m.record('success');
    expect(m.byteLength).toBe(bare);
    m.record('success', 1);
    expect(m.byteLength).toBe(bare + 8);
  });

  it('stays small at steady traffic: a list per slice at 1 call/s, bytes per bucket at 100/s', async () => {
    const clock = new ManualClock();
    const slow = make(clock);
    const busy = make(clock);
    const latency = (i: number): number => 20 * 1.5 ** Math.sin(i);
    for (let i = 0; i < 6500; i++) {
      if (i % 100 === 0) slow.record('success', latency(i));
      busy.record('success', latency(i));
      await clock.advance(10);
    }
    const bare = 10 * 13 * 4 + 11 * 8 + 17 * 8;
    // six slices of 10 latencies, 8 bytes each
    expect(slow.byteLength).toBeLessThanOrEqual(bare + 6 * 10 * 8);
    // six slices of 1000 latencies between 13 and 30 ms: about 1.2 powers of two each
    expect(busy.byteLength).toBeLessThanOrEqual(bare + 6 * 112);
    expect(busy.snapshot().latency.count).toBe(5000 + (6500 % 1000));
  });

  it('reuses its histograms as the latency window rolls', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    for (let i = 0; i < 12; i++) {
      m.record('success', 1);
      await clock.advance(10_000);
    }
    const full = m.byteLength;
    for (let i = 0; i < 12; i++) {
      m.record('success', 1);
      await clock.advance(10_000);
    }
    expect(m.byteLength).toBe(full);
  });

  it('names itself metrics#n when not named', () => {
    expect(new Metrics().name).toMatch(/^metrics#\d+$/);
  });

  it('refuses reads after dispose, which is idempotent, and ignores what is recorded', () => {
    const m = make();
    const start = m.begin(); // a call under way when its owner disposes the metrics
    const seen: unknown[] = [];
    m.onOutcome((e) => seen.push(e));
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
    // its end, and a fallback's record, must not turn into an error of the call's
    expect(() => m.end('success', start)).not.toThrow();
    expect(() => m.record('fallback-success')).not.toThrow();
    expect(m.begin(42)).toBe(42);
    expect(seen).toEqual([]);
    expect(m.inFlight).toBe(1); // counted nothing
    expect(() => m.snapshot()).toThrow(DisposedError);
    expect(() => m.observe({ name: 'r', onRetry: () => ({}) } as never)).toThrow(DisposedError);
  });

  it('is usable with `using`', () => {
    let outer: Metrics | undefined;
    {
      using m = make();
      outer = m;
    }
    expect(outer.disposed).toBe(true);
  });

  describe('options', () => {
    it.each([
      [
        { window: 0 },
        RangeError,
        '@dyno/metrics: option `window` must be a duration in ms from 1 to 2147483647; received 0',
      ],
      [{ window: Number.NaN }, RangeError, 'option `window`'],
      [
        { buckets: 1.5 },
        RangeError,
        '@dyno/metrics: option `buckets` must be an integer from 1 to 1000; received 1.5',
      ],
      [
        { window: 10_000, buckets: 3 },
        RangeError,
        '@dyno/metrics: option `window` must be a whole multiple of `buckets` (3) ms; received 10000',
      ],
      [
        { latencyWindow: 1000, latencyBuckets: 7 },
        RangeError,
        'option `latencyWindow` must be a whole multiple of `latencyBuckets` (7)',
      ],
      [{ clock: {} }, TypeError, 'option `clock` must be a Clock'],
      [{ name: '' }, RangeError, 'option `name` must be a non-empty string'],
      [{ group: 3 }, TypeError, 'option `group`'],
      [{ windo: 1 }, TypeError, 'unknown option `windo`'],
      [
        { histogram: { precisionBits: 0 } },
        RangeError,
        '@dyno/metrics: option `histogram.precisionBits` must be an integer from 1 to 12; received 0',
      ],
      [{ histogram: { bits: 3 } }, TypeError, '@dyno/metrics: unknown option `histogram.bits`'],
      [{ histogram: 'x' }, TypeError, 'option `histogram` must be an object'],
      [
        { latencyBoundaries: [] },
        RangeError,
        '@dyno/metrics: option `latencyBoundaries` must be an array of 1 to 100 ascending finite numbers > 0 (ms); received an array',
      ],
      [{ latencyBoundaries: [5, 5] }, RangeError, 'option `latencyBoundaries`'],
      [{ latencyBoundaries: [0, 5] }, RangeError, 'option `latencyBoundaries`'],
      [{ latencyBoundaries: [1, Number.POSITIVE_INFINITY] }, RangeError, '`latencyBoundaries`'],
      [{ latencyBoundaries: ['1'] }, TypeError, 'option `latencyBoundaries`'],
      [{ latencyBoundaries: 10 }, TypeError, 'option `latencyBoundaries`'],
    ])('rejects %j', (options, Kind, message) => {
      expect(() => new Metrics(options as never)).toThrow(Kind);
      expect(() => new Metrics(options as never)).toThrow(message);
    });

    it('accepts other windows and histogram options', async () => {
      const clock = new ManualClock();
      const m = make(clock, {
        window: 1000,
        buckets: 4,
        latencyWindow: 2000,
        latencyBuckets: 2,
        histogram: { precisionBits: 4 },
      });
      m.record('success', 5);
      expect(m.window).toBe(1000);
      expect(m.byteLength).toBe(4 * 13 * 4 + 11 * 8 + 17 * 8 + 8);
      await clock.advance(1000);
      expect(m.snapshot().requests).toBe(0);
      expect(m.snapshot().latency.count).toBe(1);
    });
  });
});
