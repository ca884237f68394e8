/**
 * The clock arithmetic of a rolling window of `buckets` buckets of `width` ms each. Buckets are
 * aligned to multiples of `width` on the clock's time line, so the window at time t covers the
 * current bucket and the `buckets - 1` before it. It moves only when told (on a read or write):
 * a long idle period clears every bucket at once, whatever its length.
 */
export class BucketRing {
  /** The index of the current bucket. */
  current = 0;
  /** When the current bucket ends. */
  end: number;

  constructor(
    readonly buckets: number,
    readonly width: number,
    now: number,
  ) {
    this.end = (Math.floor(now / width) + 1) * width;
  }

  /**
   * Makes the bucket holding `now` (which must be `>= end`) current. Returns how many buckets
   * come back into use (at most `buckets`, each once): the ones after the previous current
   * bucket, up to the new one, which the caller clears (see `reused`). A count rather than a
   * callback, so an owner needs no closure of its own per instance.
   */
  advance(now: number): number {
    const end = (Math.floor(now / this.width) + 1) * this.width;
    const steps = Math.round((end - this.end) / this.width);
    const reused = Math.min(steps, this.buckets);
    this.current = (this.current + steps) % this.buckets;
    this.end = end;
    return reused;
  }

  /** The index of the k-th of `n` buckets `advance` just returned (k from 0 to n - 1). */
  reused(k: number, n: number): number {
    return (this.current - n + 1 + k + this.buckets) % this.buckets;
  }
}
