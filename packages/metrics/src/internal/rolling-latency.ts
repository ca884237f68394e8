import { Histogram, type HistogramOptions } from '@dyno/stats';
import { BucketRing } from './bucket-ring.js';

/** The histogram options of some windows, and the scratch histogram they share. */
interface Shape {
  readonly options: HistogramOptions;
  readonly scratch: Histogram;
}

// Reads are synchronous, so every window with the same histogram options can merge into one
// shared scratch histogram instead of holding its own, and share one copy of the options.
const shapes = new Map<string, Shape>();

/** Returns the shared shape for `options`, validating them on first sight. */
function shapeOf(options: HistogramOptions): Shape {
  const key = JSON.stringify(options);
  let shape = shapes.get(key);
  if (shape === undefined) {
    const copy = { ...options };
    try {
      shape = { options: copy, scratch: new Histogram(copy) };
    } catch (error) {
      const message = (error as Error).message.replace(
        /^@dyno\/stats: (unknown )?option `/,
        '@dyno/metrics: $1option `histogram.',
      );
      throw error instanceof TypeError ? new TypeError(message) : new RangeError(message);
    }
    shapes.set(key, shape);
  }
  return shape;
}

/**
 * Latencies over a rolling window: one histogram per bucket, made when the bucket first
 * records and reset (not freed) when the window rolls past it.
 */
export class RollingLatency {
  readonly ring: BucketRing;
  readonly #shape: Shape;
  readonly #histograms: (Histogram | undefined)[];
  readonly #boundaries: readonly number[];
  // per interval of `#boundaries`, the latencies of the histograms the window has rolled past
  // (a plain array: a typed array costs about 150 bytes more, its buffer being an object too)
  readonly #folded: number[];
  // the highest cumulative counts read so far, made at the first read with latencies
  #reported: number[] | undefined;

  constructor(
    buckets: number,
    width: number,
    options: HistogramOptions,
    boundaries: readonly number[],
    now: number,
  ) {
    this.#shape = shapeOf(options);
    this.#boundaries = boundaries;
    this.#folded = Array.from({ length: boundaries.length + 1 }, () => 0);
    this.ring = new BucketRing(buckets, width, now);
    this.#histograms = new Array<Histogram | undefined>(buckets).fill(undefined);
  }

  /** Records one latency (finite, >= 0, checked by the caller) at time `now`. */
  record(value: number, now: number): void {
    this.roll(now);
    const index = this.ring.current;
    let h = this.#histograms[index];
    if (h === undefined) {
      h = new Histogram(this.#shape.options);
      this.#histograms[index] = h;
    }
    h.record(value);
  }

  /** Rolls the window to `now` (a no-op unless `now` has left the current bucket). */
  roll(now: number): void {
    if (now < this.ring.end) return;
    for (const index of this.ring.advance(now)) this.#clear(index);
  }

  #clear(index: number): void {
    const h = this.#histograms[index];
    if (h === undefined || h.count === 0) return;
    // Kept per interval before it is forgotten: the buckets since creation need it.
    h.addIntervalCounts(this.#boundaries, this.#folded);
    h.reset();
  }

  /**
   * How many latencies since creation are at or below each boundary, and in all (the last
   * entry): the folded intervals plus `merged`, the window's histograms merged by `merged()`,
   * never less than a count read before.
   */
  cumulative(merged: Histogram): number[] {
    const intervals = merged.addIntervalCounts(this.#boundaries, this.#folded.slice());
    const out = new Array<number>(intervals.length);
    let sum = 0;
    for (let k = 0; k < intervals.length; k++) {
      sum += intervals[k] as number;
      out[k] = sum;
    }
    if (sum === 0) return out;
    // A histogram bucket counts as its middle clamped to the histogram's min and max, which move
    // as latencies arrive and buckets are folded: a latency of 10 ms, the window's slowest,
    // counts at or below 10 ms until a slower one comes. These are counters (Prometheus
    // `_bucket`): one that went back would read as a restart, and `rate()` as a burst.
    this.#reported ??= out.slice();
    const reported = this.#reported;
    for (let k = 0; k < out.length; k++) {
      out[k] = Math.max(out[k] as number, reported[k] as number);
      reported[k] = out[k] as number;
    }
    return out;
  }

  /** The window's latencies merged into the shared scratch histogram (valid until the next read). */
  merged(): Histogram {
    const scratch = this.#shape.scratch;
    scratch.reset();
    for (const h of this.#histograms) if (h !== undefined && h.count > 0) scratch.merge(h);
    return scratch;
  }

  /** The bytes held by the histograms made so far and the folded intervals. */
  get byteLength(): number {
    let bytes =
      (this.#folded.length + (this.#reported?.length ?? 0)) * Float64Array.BYTES_PER_ELEMENT;
    for (const h of this.#histograms) if (h !== undefined) bytes += h.byteLength;
    return bytes;
  }
}
