/**
 * The latest `size` latencies, and a nearest-rank percentile over them (dyno's rule: index
 * `floor(n * p / 100)` of the sorted data, clamped). Besides the ring in arrival order, the same
 * latencies are kept sorted: an `add` moves at most `size` numbers to take out the oldest and put
 * in the newest, and a percentile is one read. (Sorting a copy on each query after an `add`, as
 * this did, cost 30-90 µs a hedged call with 1000 samples, more than the HTTP request itself.)
 */
export class LatencyWindow {
  // in arrival order: `#next` is where the next one goes (over the oldest, once full)
  readonly #ring: Float64Array;
  // the same latencies in ascending order, in `#sorted[0]` to `#sorted[#count - 1]`
  readonly #sorted: Float64Array;
  #count = 0;
  #next = 0;

  constructor(size: number) {
    this.#ring = new Float64Array(size);
    this.#sorted = new Float64Array(size);
  }

  /** Latencies held (at most the ring's size). */
  get count(): number {
    return this.#count;
  }

  /** Adds a latency (finite and >= 0), dropping the oldest once the window is full. */
  add(latency: number): void {
    const sorted = this.#sorted;
    let n = this.#count;
    if (n === this.#ring.length) {
      // the oldest is in the sorted copy: take one equal value out
      const at = lowerBound(sorted, n, this.#ring[this.#next] as number);
      sorted.copyWithin(at, at + 1, n);
      n--;
    }
    const at = lowerBound(sorted, n, latency);
    sorted.copyWithin(at + 1, at, n);
    sorted[at] = latency;
    this.#count = n + 1;
    this.#ring[this.#next] = latency;
    this.#next = (this.#next + 1) % this.#ring.length;
  }

  /** The `p`-th percentile (0 < p <= 100); `undefined` while empty. */
  percentile(p: number): number | undefined {
    const n = this.#count;
    if (n === 0) return undefined;
    return this.#sorted[Math.min(n - 1, Math.floor((n * p) / 100))];
  }
}

/** The first index of `sorted[0..n)` whose value is not below `value` (`n` when none). */
function lowerBound(sorted: Float64Array, n: number, value: number): number {
  let low = 0;
  let high = n;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
