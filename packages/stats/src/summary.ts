import { is, resolveOptions } from '@dyno/core';
import { checkData } from './percentile.js';

/** The arithmetic mean; `NaN` for empty data. */
export function mean(data: readonly number[]): number {
  checkData(data);
  if (data.length === 0) return Number.NaN;
  // Neumaier's compensated sum: a plain sum of a million 0.1s is off by 1.3e-11 relative
  let sum = 0;
  let lost = 0;
  for (const v of data) {
    const next = sum + v;
    lost += Math.abs(sum) >= Math.abs(v) ? sum - next + v : v - next + sum;
    sum = next;
  }
  if (Number.isFinite(sum)) return (sum + lost) / data.length;
  // the sum of large values overflows though their mean is finite: divide each one first
  let scaled = 0;
  for (const v of data) scaled += v / data.length;
  return scaled;
}

/** Options of `stddev`. */
export interface StddevOptions {
  /**
   * Divide by `n - 1` (sample standard deviation) instead of `n` (population).
   * @default false
   */
  readonly sample?: boolean;
}

const DEFAULT_STDDEV_OPTIONS: Readonly<Required<StddevOptions>> = Object.freeze({ sample: false });
const RULES = { sample: is.boolean };

/**
 * The standard deviation (population by default). `NaN` for empty data, and for a single value
 * when `sample` is set.
 */
export function stddev(data: readonly number[], options?: StddevOptions): number {
  const { sample } = resolveOptions('@dyno/stats', options, RULES, DEFAULT_STDDEV_OPTIONS);
  const m = mean(data);
  const divisor = sample ? data.length - 1 : data.length;
  if (divisor <= 0) return Number.NaN;
  // deviations of values near the float limit overflow when squared: they are divided by the
  // power of two nearest the largest magnitude (exact, so other results do not change)
  let largest = 0;
  for (const v of data) largest = Math.max(largest, Math.abs(v));
  if (largest === 0) return 0;
  // at most 2^1023: `log2` of the largest double rounds up to 1024, and 2^1024 is Infinity
  const scale = 2 ** Math.min(Math.floor(Math.log2(largest)), 1023);
  // the corrected two-pass formula: `deviations` is the rounding error left in `m`, so data of
  // one value gives exactly 0
  let squares = 0;
  let deviations = 0;
  for (const v of data) {
    const d = v / scale - m / scale;
    squares += d * d;
    deviations += d;
  }
  const variance = (squares - (deviations * deviations) / data.length) / divisor;
  return scale * Math.sqrt(Math.max(variance, 0));
}
