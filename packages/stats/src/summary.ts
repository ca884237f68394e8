import { checkData } from './percentile.js';

/** The arithmetic mean; `NaN` for empty data. */
export function mean(data: readonly number[]): number {
  checkData(data);
  if (data.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of data) sum += v;
  return sum / data.length;
}

/** Options of `stddev`. */
export interface StddevOptions {
  /**
   * Divide by `n - 1` (sample standard deviation) instead of `n` (population).
   * @default false
   */
  readonly sample?: boolean;
}

/**
 * The standard deviation (population by default). `NaN` for empty data, and for a single value
 * when `sample` is set.
 */
export function stddev(data: readonly number[], options: StddevOptions = {}): number {
  const m = mean(data);
  const divisor = options.sample === true ? data.length - 1 : data.length;
  if (divisor <= 0) return Number.NaN;
  let squares = 0;
  for (const v of data) squares += (v - m) ** 2;
  return Math.sqrt(squares / divisor);
}
