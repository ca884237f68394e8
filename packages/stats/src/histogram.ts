import { is, resolveOptions } from '@dyno/core';
import { checkP, rankIndex } from './percentile.js';

/** Options of `Histogram`. Values outside [lowest, highest] are counted in the end buckets. */
export interface HistogramOptions {
  /**
   * The smallest value told apart from zero, as a power of two exponent: 2^-10 ms is about 1 µs.
   * @default -10
   */
  readonly lowestExponent?: number;
  /**
   * One past the largest exponent kept: 2^24 ms is about 4.7 hours.
   * @default 24
   */
  readonly highestExponent?: number;
  /**
   * Sub-buckets per power of two, as bits: 6 gives 64 sub-buckets and at most 0.78 % relative
   * error on any percentile inside the range.
   * @default 6
   */
  readonly precisionBits?: number;
}

/** The defaults of `Histogram`. */
export const DEFAULT_HISTOGRAM_OPTIONS: Readonly<Required<HistogramOptions>> = Object.freeze({
  lowestExponent: -10,
  highestExponent: 24,
  precisionBits: 6,
});

const RULES = {
  lowestExponent: is.integer(-1022, 1022),
  highestExponent: is.integer(-1021, 1023),
  precisionBits: is.integer(1, 12),
};

// The bucket of a value is read straight from its IEEE-754 bits: the exponent and the top
// mantissa bits form a log-linear index, with no logarithm and no loop.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * A fixed-memory log-linear histogram of non-negative numbers (latencies in ms). Recording is a
 * few integer operations; percentiles are within half a bucket (0.78 % by default) of the exact
 * nearest-rank value for data inside the range, and exact for min and max.
 */
export class Histogram {
  readonly #shift: number;
  readonly #base: number;
  readonly #bits: number;
  readonly #lowest: number;
  readonly #counts: Float64Array;
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  constructor(options?: HistogramOptions) {
    const o = resolveOptions('@dyno/stats', options, RULES, DEFAULT_HISTOGRAM_OPTIONS);
    if (o.highestExponent <= o.lowestExponent) {
      throw new RangeError(
        `@dyno/stats: option \`highestExponent\` must be greater than \`lowestExponent\` (${o.lowestExponent}); received ${o.highestExponent}`,
      );
    }
    this.#bits = o.precisionBits;
    this.#shift = 20 - o.precisionBits;
    this.#lowest = o.lowestExponent;
    this.#base = (1023 + o.lowestExponent) << o.precisionBits;
    this.#counts = new Float64Array((o.highestExponent - o.lowestExponent) << o.precisionBits);
  }

  /** Records one value. Throws a `RangeError` for a negative, NaN or infinite value. */
  record(value: number): void {
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `@dyno/stats: a recorded value must be finite and >= 0; received ${value}`,
      );
    }
    // -0 passes the range check but has its sign bit set, which would read as the top bucket.
    const v = value === 0 ? 0 : value;
    f64[0] = v;
    let i = ((u32[HIGH_WORD] as number) >>> this.#shift) - this.#base;
    const counts = this.#counts;
    if (i < 0) i = 0;
    else if (i >= counts.length) i = counts.length - 1;
    counts[i] = (counts[i] as number) + 1;
    this.#count++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
    if (v < this.#min) this.#min = v;
  }

  /** How many values were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The sum of the recorded values. */
  get sum(): number {
    return this.#sum;
  }

  /** The exact mean, `NaN` when empty. */
  get mean(): number {
    return this.#count === 0 ? Number.NaN : this.#sum / this.#count;
  }

  /** The exact smallest value, `NaN` when empty. */
  get min(): number {
    return this.#count === 0 ? Number.NaN : this.#min;
  }

  /** The exact largest value, `NaN` when empty. */
  get max(): number {
    return this.#count === 0 ? Number.NaN : this.#max;
  }

  /** The bytes this histogram holds in its buckets. */
  get byteLength(): number {
    return this.#counts.byteLength;
  }

  /** The nearest-rank percentile (0 to 100), `NaN` when empty; p0 and p100 are exact. */
  percentile(p: number): number {
    return this.percentiles([p])[0] as number;
  }

  /** Several percentiles in one pass over the buckets, in the order given. */
  percentiles(ps: readonly number[]): number[] {
    for (const p of ps) checkP(p);
    if (this.#count === 0) return ps.map(() => Number.NaN);
    const order = ps
      .map((p, i) => ({ rank: rankIndex(p, this.#count), i }))
      .sort((a, b) => a.rank - b.rank);
    const out = new Array<number>(ps.length);
    const counts = this.#counts;
    let seen = 0;
    let k = 0;
    for (let b = 0; b < counts.length && k < order.length; b++) {
      seen += counts[b] as number;
      while (k < order.length && (order[k] as { rank: number }).rank < seen) {
        const { rank, i } = order[k] as { rank: number; i: number };
        // the first and last ranks are the exact min and max
        out[i] = rank === 0 ? this.#min : rank === this.#count - 1 ? this.#max : this.#valueOf(b);
        k++;
      }
    }
    return out;
  }

  /**
   * Adds to `into[k]` how many values fall in interval k of `boundaries` (ascending): `into[0]`
   * counts the values at or below `boundaries[0]`, `into[k]` those above `boundaries[k - 1]` and
   * at or below `boundaries[k]`, and `into[boundaries.length]` those above the last. A bucket
   * counts as the value percentiles report for it (its middle, clamped to the exact min and
   * max), so a value may land one interval off only when it lies within half a bucket (0.78 %
   * by default) of a boundary. `into` needs `boundaries.length + 1` entries; it is returned.
   */
  addIntervalCounts(boundaries: readonly number[], into: Float64Array): Float64Array {
    if (into.length !== boundaries.length + 1) {
      throw new RangeError(
        `@dyno/stats: addIntervalCounts needs ${boundaries.length + 1} counters (one more than the boundaries); received ${into.length}`,
      );
    }
    if (this.#count === 0) return into;
    const counts = this.#counts;
    let k = 0;
    for (let b = 0; b < counts.length; b++) {
      const c = counts[b] as number;
      if (c === 0) continue;
      const v = this.#valueOf(b);
      while (k < boundaries.length && v > (boundaries[k] as number)) k++;
      into[k] = (into[k] as number) + c;
    }
    return into;
  }

  /** Adds every value of `other` (which must have the same options) to this histogram. */
  merge(other: Histogram): this {
    if (other.#counts.length !== this.#counts.length || other.#base !== this.#base) {
      throw new RangeError('@dyno/stats: only histograms with the same options can be merged');
    }
    const counts = this.#counts;
    const theirs = other.#counts;
    for (let i = 0; i < counts.length; i++)
      counts[i] = (counts[i] as number) + (theirs[i] as number);
    this.#count += other.#count;
    this.#sum += other.#sum;
    if (other.#max > this.#max) this.#max = other.#max;
    if (other.#min < this.#min) this.#min = other.#min;
    return this;
  }

  /** Forgets every value. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = Number.NEGATIVE_INFINITY;
  }

  /** The middle of bucket `b`, clamped to the exact min and max. */
  #valueOf(b: number): number {
    const exponent = (b >> this.#bits) + this.#lowest;
    const sub = b & ((1 << this.#bits) - 1);
    const mid = 2 ** exponent * (1 + (sub + 0.5) / (1 << this.#bits));
    return Math.min(Math.max(mid, this.#min), this.#max);
  }
}
