import fc from 'fast-check';
import { LatencyWindow } from './latency-window.js';

/** The nearest-rank percentile of the last `size` values, computed the slow, obvious way. */
function reference(values: readonly number[], size: number, p: number): number | undefined {
  const window = values.slice(-size).sort((a, b) => a - b);
  if (window.length === 0) return undefined;
  return window[Math.min(window.length - 1, Math.floor((window.length * p) / 100))];
}

describe('LatencyWindow', () => {
  it('is empty until the first latency', () => {
    const window = new LatencyWindow(3);
    expect(window.count).toBe(0);
    expect(window.percentile(50)).toBeUndefined();
  });

  it('answers the nearest-rank percentile of the latest latencies only', () => {
    const window = new LatencyWindow(3);
    for (const latency of [5, 1, 9]) window.add(latency);
    expect([window.percentile(1), window.percentile(50), window.percentile(100)]).toEqual([
      1, 5, 9,
    ]);
    window.add(2); // 5 drops out: 1, 2, 9
    window.add(2); // 1 drops out: 2, 2, 9
    expect(window.count).toBe(3);
    expect([window.percentile(1), window.percentile(66), window.percentile(67)]).toEqual([2, 2, 9]);
  });

  it('agrees with sorting the window, whatever the latencies, repeats and window size', () => {
    const latency = fc.oneof(
      fc.constantFrom(0, 1, 2, 100),
      fc.double({ min: 0, max: 1e4, noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(latency, { maxLength: 60 }),
        fc.double({ min: 0.5, max: 100, noNaN: true }),
        (size, latencies, p) => {
          const window = new LatencyWindow(size);
          const seen: number[] = [];
          for (const value of latencies) {
            window.add(value);
            seen.push(value);
            expect(window.count).toBe(Math.min(size, seen.length));
            expect(window.percentile(p)).toBe(reference(seen, size, p));
          }
        },
      ),
    );
  });
});
