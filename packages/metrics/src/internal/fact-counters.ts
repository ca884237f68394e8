/**
 * The rolling counters of an observed source's facts, made only when such a source is observed
 * (most `Metrics` never see one): one row of `slots` per bucket of the counter window, and
 * totals since creation.
 */
export class FactCounters {
  readonly #slots: number;
  readonly #counts: Float64Array;
  readonly #totals: Float64Array;

  constructor(buckets: number, slots: number) {
    this.#slots = slots;
    this.#counts = new Float64Array(buckets * slots);
    this.#totals = new Float64Array(slots);
  }

  /** Counts one fact in bucket `bucket`. */
  count(bucket: number, slot: number): void {
    const i = bucket * this.#slots + slot;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#totals[slot] = (this.#totals[slot] as number) + 1;
  }

  /** Empties bucket `bucket` as the window rolls onto it. */
  clear(bucket: number): void {
    this.#counts.fill(0, bucket * this.#slots, (bucket + 1) * this.#slots);
  }

  /** Each slot summed over the window, and each slot's total since creation (a copy). */
  sums(): { window: Float64Array; total: Float64Array } {
    const slots = this.#slots;
    const sums = new Float64Array(slots);
    const counts = this.#counts;
    for (let b = 0; b < counts.length; b += slots) {
      for (let s = 0; s < slots; s++) sums[s] = (sums[s] as number) + (counts[b + s] as number);
    }
    return { window: sums, total: this.#totals.slice() };
  }

  get byteLength(): number {
    return this.#counts.byteLength + this.#totals.byteLength;
  }
}
