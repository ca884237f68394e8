import { format } from '@dyno/core';

/**
 * The nearest-rank percentile used by the original dyno: the element at index
 * `floor(n * p / 100)` of the sorted data, clamped to the last element. `percentile(50, 0..99)`
 * is 50 and `percentile(50, [1, 2, 3, 4])` is 3. Empty data gives `NaN`.
 *
 * @param p the percentile, from 0 to 100
 * @param data finite numbers, in any order (not modified)
 */
export function percentile(p: number, data: readonly number[]): number {
  checkP(p);
  checkData(data);
  if (data.length === 0) return Number.NaN;
  const sorted = Float64Array.from(data).sort();
  return sorted[rankIndex(p, sorted.length)] as number;
}

/** The index the nearest-rank rule picks among `n` sorted values. */
export function rankIndex(p: number, n: number): number {
  return Math.min(Math.floor((n * p) / 100), n - 1);
}

/** Throws a `RangeError` unless `p` is a number from 0 to 100. */
export function checkP(p: number): void {
  if (typeof p !== 'number') {
    throw new TypeError(
      `@dyno/stats: percentile must be a number from 0 to 100; received ${typeof p}`,
    );
  }
  if (!(p >= 0 && p <= 100)) {
    throw new RangeError(`@dyno/stats: percentile must be from 0 to 100; received ${p}`);
  }
}

/** Throws unless `data` is an array of finite numbers. */
export function checkData(data: readonly number[]): void {
  if (!Array.isArray(data)) {
    throw new TypeError('@dyno/stats: data must be an array of finite numbers');
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number') {
      throw new TypeError(`@dyno/stats: data[${i}] must be a finite number; received ${format(v)}`);
    }
    if (!Number.isFinite(v)) {
      throw new RangeError(
        `@dyno/stats: data[${i}] must be a finite number; received ${String(v)}`,
      );
    }
  }
}
