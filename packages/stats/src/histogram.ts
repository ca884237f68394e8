import { format, is, resolveOptions } from '@dyno/core';
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

/** Throws unless `boundaries` are numbers in ascending order (else counts land silently wrong). */
function checkBoundaries(boundaries: readonly number[]): void {
  if (!Array.isArray(boundaries)) {
    throw new TypeError(
      `@dyno/stats: boundaries must be an array of ascending numbers; received ${format(boundaries)}`,
    );
  }
  for (let k = 0; k < boundaries.length; k++) {
    const b = boundaries[k];
    if (typeof b !== 'number') {
      throw new TypeError(`@dyno/stats: boundaries[${k}] must be a number; received ${format(b)}`);
    }
    if (Number.isNaN(b) || (k > 0 && !(b > (boundaries[k - 1] as number)))) {
      throw new RangeError(
        `@dyno/stats: boundaries must be in ascending order; received ${b} at index ${k}`,
      );
    }
  }
}

// The bucket of a value is read straight from its IEEE-754 bits: the exponent and the top
// mantissa bits form a log-linear index, with no logarithm and no loop.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** How the buckets of histograms with the same options are laid out (shared by them all). */
interface Layout {
  readonly lowest: number;
  readonly bits: number;
  /** The right shift of a value's high word that leaves its exponent and sub-bucket bits. */
  readonly shift: number;
  /** The raw index (exponent and sub-bucket bits) of bucket 0. */
  readonly base: number;
  /** Buckets in the whole range, kept or not. */
  readonly size: number;
  /** The buckets kept grow in steps of this many: a quarter of a power of two. */
  readonly page: number;
}

const layouts = new Map<string, Layout>();

function layoutOf(lowest: number, highest: number, bits: number): Layout {
  const key = `${lowest}:${highest}:${bits}`;
  let layout = layouts.get(key);
  if (layout === undefined) {
    layout = {
      lowest,
      bits,
      shift: 20 - bits,
      base: (1023 + lowest) << bits,
      size: (highest - lowest) << bits,
      page: 1 << Math.max(0, bits - 2),
    };
    layouts.set(key, layout);
  }
  return layout;
}

// What a histogram without buckets holds: every record misses it and takes the slow path.
const NONE = new Uint8Array(0);
// Up to this many values are kept as a list of their buckets before the buckets are made: a
// list of 16 costs about 180 bytes, a byte array about 180 bytes plus 64 per power of two.
const FEW = 16;
// A bucket counts up to 255 in its byte; past that, each 256 carries into `#carries`.
const BYTE = 256;

/**
 * A log-linear histogram of non-negative numbers (latencies in ms) whose memory follows what it
 * holds. Recording is a few integer operations; percentiles are within half a bucket (0.78 % by
 * default) of the exact nearest-rank value for data inside the range, and exact for min and max.
 * The first 16 values are kept as a list of their buckets; past that, buckets are kept only
 * between the smallest and the largest value recorded (in steps of a quarter of a power of two),
 * one byte each until one passes 255: with the defaults 64 bytes per power of two spanned, and
 * at most about 11 KB however many values it holds.
 */
export class Histogram {
  readonly #layout: Layout;
  // the layout's, kept here as well: `record` reads them on every value
  readonly #shift: number;
  readonly #base: number;
  // `#counts[j]` is bucket `#first + j`; `#offset` is `base + #first`, so a value's raw index
  // minus `#offset` is its place in `#counts` (outside it when negative or too large)
  #first = 0;
  #offset: number;
  #counts: Uint8Array = NONE;
  // while there are no buckets: the bucket of each value recorded, up to FEW of them
  #few: number[] | undefined;
  // each kept bucket's count above its byte, in units of 256; made on the first overflow
  #carries: Uint32Array | Float64Array | undefined;
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
    this.#layout = layoutOf(o.lowestExponent, o.highestExponent, o.precisionBits);
    this.#shift = this.#layout.shift;
    this.#base = this.#layout.base;
    this.#offset = this.#layout.base;
  }

  /**
   * Records one value. Throws a `TypeError` for a value that is not a number, a `RangeError` for
   * a negative, NaN or infinite one.
   */
  record(value: number): void {
    // a string, boolean or null passes the comparisons below, and `'5'` would turn `sum` into
    // a string
    if (typeof value !== 'number') {
      throw new TypeError(
        `@dyno/stats: a recorded value must be a number; received ${format(value)}`,
      );
    }
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) {
      throw new RangeError(
        `@dyno/stats: a recorded value must be finite and >= 0; received ${value}`,
      );
    }
    // -0 passes the range check but has its sign bit set, which would read as the top bucket.
    const v = value === 0 ? 0 : value;
    f64[0] = v;
    // a value below the range counts in the lowest bucket (sub-microsecond latencies with the
    // defaults): clamped here, it is counted like any other
    const raw = Math.max((u32[HIGH_WORD] as number) >>> this.#shift, this.#base);
    const j = raw - this.#offset;
    const counts = this.#counts;
    // one unsigned comparison: a negative j wraps above any length
    if (j >>> 0 < counts.length) {
      const c = (counts[j] as number) + 1;
      if (c < BYTE) counts[j] = c;
      else this.#carry(j);
    } else {
      this.#recordOutside(j + this.#first);
    }
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

  /**
   * The mean (`sum / count`, the running sum not compensated), clamped to the exact min and max,
   * `NaN` when empty.
   */
  get mean(): number {
    if (this.#count === 0) return Number.NaN;
    // the rounding of a plain sum can leave the mean just outside the values: ten 0.1s sum to
    // 0.9999999999999999, a mean below the smallest value; clamped here, not compensated in
    // `record` (Neumaier there costs about 10 % of a record)
    return Math.min(Math.max(this.#sum / this.#count, this.#min), this.#max);
  }

  /** The exact smallest value, `NaN` when empty. */
  get min(): number {
    return this.#count === 0 ? Number.NaN : this.#min;
  }

  /** The exact largest value, `NaN` when empty. */
  get max(): number {
    return this.#count === 0 ? Number.NaN : this.#max;
  }

  /**
   * The bytes this histogram holds in its buckets now: none when empty, 8 per value up to 16
   * values, then one per bucket between the smallest and largest value (64 per power of two with
   * the defaults), plus 4 per kept bucket once one bucket passes 255 values.
   */
  get byteLength(): number {
    return (
      (this.#few?.length ?? 0) * 8 + this.#counts.byteLength + (this.#carries?.byteLength ?? 0)
    );
  }

  /** The nearest-rank percentile (0 to 100), `NaN` when empty; p0 and p100 are exact. */
  percentile(p: number): number {
    return this.percentiles([p])[0] as number;
  }

  /** Several percentiles in one pass over the buckets, in the order given. */
  percentiles(ps: readonly number[]): number[] {
    for (const p of ps) checkP(p);
    if (this.#count === 0) return ps.map(() => Number.NaN);
    this.#makeBuckets();
    const order = ps
      .map((p, i) => ({ rank: rankIndex(p, this.#count), i }))
      .sort((a, b) => a.rank - b.rank);
    const out = new Array<number>(ps.length);
    const n = this.#counts.length;
    let seen = 0;
    let k = 0;
    for (let j = 0; j < n && k < order.length; j++) {
      seen += this.#at(j);
      while (k < order.length && (order[k] as { rank: number }).rank < seen) {
        const { rank, i } = order[k] as { rank: number; i: number };
        // the first and last ranks are the exact min and max
        out[i] =
          rank === 0
            ? this.#min
            : rank === this.#count - 1
              ? this.#max
              : this.#valueOf(this.#first + j);
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
   * by default) of a boundary. `into` (a `Float64Array` or an array of numbers) needs
   * `boundaries.length + 1` entries; it is returned.
   */
  addIntervalCounts<C extends Float64Array | number[]>(boundaries: readonly number[], into: C): C {
    checkBoundaries(boundaries);
    if (into.length !== boundaries.length + 1) {
      throw new RangeError(
        `@dyno/stats: addIntervalCounts needs ${boundaries.length + 1} counters (one more than the boundaries); received ${into.length}`,
      );
    }
    if (this.#count === 0) return into;
    this.#makeBuckets();
    const n = this.#counts.length;
    let k = 0;
    for (let j = 0; j < n; j++) {
      const c = this.#at(j);
      if (c === 0) continue;
      const v = this.#valueOf(this.#first + j);
      while (k < boundaries.length && v > (boundaries[k] as number)) k++;
      into[k] = (into[k] as number) + c;
    }
    return into;
  }

  /** Adds every value of `other` (which must have the same options) to this histogram. */
  merge(other: Histogram): this {
    if (other.#layout !== this.#layout) {
      throw new RangeError('@dyno/stats: only histograms with the same options can be merged');
    }
    const few = other.#few;
    // a copy: merging a histogram into itself must not see its own list grow
    if (few !== undefined) for (const b of few.slice()) this.#addTo(b);
    const n = other.#counts.length;
    if (n > 0) {
      this.#makeBuckets();
      this.#cover(other.#first, other.#first + n);
      const shift = other.#first - this.#first;
      for (let j = 0; j < n; j++) {
        const c = other.#at(j);
        if (c !== 0) this.#put(j + shift, this.#at(j + shift) + c);
      }
    }
    this.#count += other.#count;
    this.#sum += other.#sum;
    if (other.#max > this.#max) this.#max = other.#max;
    if (other.#min < this.#min) this.#min = other.#min;
    return this;
  }

  /** Forgets every value, and gives back the memory of the buckets. */
  reset(): void {
    this.#few = undefined;
    this.#counts = NONE;
    this.#carries = undefined;
    this.#first = 0;
    this.#offset = this.#layout.base;
    this.#count = 0;
    this.#sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = Number.NEGATIVE_INFINITY;
  }

  // A value outside the kept buckets, `i` being its bucket (a value above the range counts in
  // the highest; `record` has clamped one below it already).
  #recordOutside(i: number): void {
    const size = this.#layout.size;
    this.#addTo(i >= size ? size - 1 : i);
  }

  // Counts one value in bucket `b`: in the list while it has room and there are no buckets.
  #addTo(b: number): void {
    if (this.#counts.length === 0) {
      const few = this.#few;
      if (few === undefined || few.length < FEW) {
        // a new array of the exact length each time (at most FEW times): grown by `push`, it
        // would keep room for 17 from the first value, about 60 bytes more for a typical 10
        this.#few = few === undefined ? [b] : few.concat(b);
        return;
      }
      this.#makeBuckets();
    }
    this.#cover(b, b + 1);
    const j = b - this.#first;
    this.#put(j, this.#at(j) + 1);
  }

  // Moves the listed values into buckets (a read wants buckets, or the list is full).
  #makeBuckets(): void {
    const few = this.#few;
    if (few === undefined) return;
    this.#few = undefined;
    let low = few[0] as number;
    let high = low;
    for (const b of few) {
      if (b < low) low = b;
      if (b > high) high = b;
    }
    this.#cover(low, high + 1);
    for (const b of few) {
      const j = b - this.#first;
      this.#put(j, this.#at(j) + 1);
    }
  }

  // Keeps buckets `from` to `to` (exclusive) as well, in whole pages (quarters of a power of
  // two: a finer step would save little and grow more often).
  #cover(from: number, to: number): void {
    const n = this.#counts.length;
    const page = this.#layout.page;
    const first = (n === 0 ? from : Math.min(from, this.#first)) & -page;
    const end = Math.ceil((n === 0 ? to : Math.max(to, this.#first + n)) / page) * page;
    if (first === this.#first && end - first === n) return;
    const counts = new Uint8Array(end - first);
    const carries = this.#carries;
    if (n > 0) {
      const at = this.#first - first;
      counts.set(this.#counts, at);
      if (carries !== undefined) {
        const wider =
          carries instanceof Uint32Array
            ? new Uint32Array(end - first)
            : new Float64Array(end - first);
        wider.set(carries, at);
        this.#carries = wider;
      }
    }
    this.#counts = counts;
    this.#first = first;
    this.#offset = this.#layout.base + first;
  }

  // The count of kept bucket `j`.
  #at(j: number): number {
    const low = this.#counts[j] as number;
    return this.#carries === undefined ? low : low + (this.#carries[j] as number) * BYTE;
  }

  // Sets the count of kept bucket `j` to `c`.
  #put(j: number, c: number): void {
    const low = c % BYTE;
    this.#counts[j] = low;
    const high = (c - low) / BYTE;
    if (high === 0 && this.#carries === undefined) return;
    this.#carriesFor(high)[j] = high;
  }

  // Bucket `j` just reached 256 in its byte.
  #carry(j: number): void {
    this.#counts[j] = 0;
    const high = (this.#carries?.[j] ?? 0) + 1;
    this.#carriesFor(high)[j] = high;
  }

  // The carries, made or widened so they can hold `high`.
  #carriesFor(high: number): Uint32Array | Float64Array {
    let carries = this.#carries;
    if (carries === undefined) {
      carries = new Uint32Array(this.#counts.length);
    }
    if (high > 0xffff_ffff && carries instanceof Uint32Array) {
      carries = Float64Array.from(carries);
    }
    this.#carries = carries;
    return carries;
  }

  /** The middle of bucket `b`, clamped to the exact min and max. */
  #valueOf(b: number): number {
    const { bits, lowest } = this.#layout;
    const exponent = (b >> bits) + lowest;
    const sub = b & ((1 << bits) - 1);
    const mid = 2 ** exponent * (1 + (sub + 0.5) / (1 << bits));
    return Math.min(Math.max(mid, this.#min), this.#max);
  }
}
