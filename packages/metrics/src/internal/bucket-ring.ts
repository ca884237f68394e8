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
   * Makes the bucket holding `now` (which must be `>= end`) current. Returns the indexes of the
   * buckets that come back into use, oldest first (at most `buckets`, each once): the ones after
   * the previous current bucket, up to the new one, which the caller clears.
   */
  advance(now: number): number[] {
    const end = (Math.floor(now / this.width) + 1) * this.width;
    const steps = Math.round((end - this.end) / this.width);
    this.current = (this.current + steps) % this.buckets;
    this.end = end;
    const reused: number[] = [];
    for (let back = Math.min(steps, this.buckets) - 1; back >= 0; back--) {
      reused.push((this.current - back + this.buckets) % this.buckets);
    }
    return reused;
  }
}
