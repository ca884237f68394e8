import fc from 'fast-check';
import { DEFAULT_HISTOGRAM_OPTIONS, Histogram } from './histogram.js';
import { percentile } from './percentile.js';

const PS = [0, 25, 50, 75, 90, 95, 99, 99.5, 100];

describe('Histogram', () => {
  it('reports count, sum, mean, min and max exactly', () => {
    const h = new Histogram();
    for (const v of [1, 2, 3, 10]) h.record(v);
    expect(h.count).toBe(4);
    expect(h.sum).toBe(16);
    expect(h.mean).toBe(4);
    expect(h.min).toBe(1);
    expect(h.max).toBe(10);
  });

  it('is empty at first: NaN statistics and percentiles', () => {
    const h = new Histogram();
    expect(h.count).toBe(0);
    expect(h.mean).toBeNaN();
    expect(h.min).toBeNaN();
    expect(h.max).toBeNaN();
    expect(h.percentile(50)).toBeNaN();
  });

  it('is exact for data of one value, including zero', () => {
    const h = new Histogram();
    for (let i = 0; i < 10; i++) h.record(0);
    expect(h.percentile(50)).toBe(0);
    const g = new Histogram();
    for (let i = 0; i < 10; i++) g.record(123.456);
    expect(g.percentiles(PS)).toEqual(PS.map(() => 123.456));
  });

  it('counts -0 as zero, not in the top bucket', () => {
    const h = new Histogram();
    for (const v of [-0, 5, 10, 20]) h.record(v);
    // nearest rank: index 2 of [0, 5, 10, 20]
    expect(Math.abs(h.percentile(50) - 10)).toBeLessThanOrEqual(10 * 0.008);
    expect(Math.abs(h.percentile(75) - 20)).toBeLessThanOrEqual(20 * 0.008);
    expect(Object.is(h.percentile(0), 0)).toBe(true);
  });

  it('counts values per interval of given boundaries, adding to what is there', () => {
    const h = new Histogram();
    for (const v of [0, 0.5, 0.9, 2, 2.4, 3, 9.9, 99, 1e9]) h.record(v);
    const into = h.addIntervalCounts([1, 2.5, 10], new Float64Array(4));
    expect([...into]).toEqual([3, 2, 2, 2]);
    h.addIntervalCounts([1, 2.5, 10], into);
    expect([...into]).toEqual([6, 4, 4, 4]);
    expect([...new Histogram().addIntervalCounts([1], new Float64Array(2))]).toEqual([0, 0]);
    expect(() => h.addIntervalCounts([1, 2], new Float64Array(2))).toThrow(
      '@dyno/stats: addIntervalCounts needs 3 counters (one more than the boundaries); received 2',
    );
  });

  it('follows the nearest-rank rule of percentile()', () => {
    const h = new Histogram();
    for (let i = 0; i < 100; i++) h.record(i + 1);
    expect(Math.abs(h.percentile(50) - 51)).toBeLessThanOrEqual(51 * 0.008);
    expect(h.percentile(0)).toBe(1);
    expect(h.percentile(100)).toBe(100);
  });

  it('keeps every percentile within 1 % of the exact value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 2 ** -10, max: 2 ** 23, noNaN: true }), {
          minLength: 1,
          maxLength: 500,
        }),
        (data) => {
          const h = new Histogram();
          for (const v of data) h.record(v);
          const got = h.percentiles(PS);
          return PS.every((p, i) => {
            const exact = percentile(p, data);
            return Math.abs((got[i] as number) - exact) <= exact * 0.01;
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('counts values past the range in the end buckets and keeps exact min and max', () => {
    const h = new Histogram({ lowestExponent: 0, highestExponent: 4 });
    h.record(0.001);
    h.record(1e9);
    expect(h.min).toBe(0.001);
    expect(h.max).toBe(1e9);
    expect(h.percentile(0)).toBe(0.001);
    expect(h.percentile(100)).toBe(1e9);
  });

  it('merges histograms with the same options', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 1; i <= 50; i++) {
      a.record(i);
      all.record(i);
    }
    for (let i = 51; i <= 100; i++) {
      b.record(i * 3);
      all.record(i * 3);
    }
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.sum).toBe(all.sum);
    expect(a.percentiles(PS)).toEqual(all.percentiles(PS));
    expect(() => a.merge(new Histogram({ precisionBits: 5 }))).toThrow(RangeError);
  });

  it('reset forgets everything', () => {
    const h = new Histogram();
    h.record(5);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.percentile(99)).toBeNaN();
    h.record(7);
    expect(h.min).toBe(7);
  });

  it('has fixed memory set by its options', () => {
    const { highestExponent, lowestExponent, precisionBits } = DEFAULT_HISTOGRAM_OPTIONS;
    expect(new Histogram().byteLength).toBe(
      ((highestExponent - lowestExponent) << precisionBits) * 8,
    );
    const h = new Histogram();
    for (let i = 0; i < 10_000; i++) h.record(i);
    expect(h.byteLength).toBe(new Histogram().byteLength);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects recording %p', (v) => {
    expect(() => new Histogram().record(v)).toThrow(RangeError);
  });

  it('rejects bad options at construction', () => {
    expect(() => new Histogram({ precisionBits: 0 })).toThrow(RangeError);
    expect(() => new Histogram({ lowestExponent: 1.5 })).toThrow(RangeError);
    expect(() => new Histogram({ lowestExponent: 5, highestExponent: 5 })).toThrow(
      /`highestExponent` must be greater than `lowestExponent`/,
    );
    expect(() => new Histogram({ bits: 3 } as never)).toThrow(TypeError);
    expect(() => new Histogram().percentile(-1)).toThrow(RangeError);
  });
});
