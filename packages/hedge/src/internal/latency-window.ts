/**
 * The latest `size` latencies in a ring, and a nearest-rank percentile over them (dyno's rule:
 * index `floor(n * p / 100)` of the sorted data, clamped). The sorted copy is rebuilt only when a
 * latency was added since the last query.
 */
export class LatencyWindow {
  readonly #ring: Float64Array;
  #sorted: Float64Array | undefined;
  #count = 0;
  #next = 0;

  constructor(size: number) {
    this.#ring = new Float64Array(size);
  }

  /** Latencies held (at most the ring's size). */
  get count(): number {
    return this.#count;
  }

  add(latency: number): void {
    this.#ring[this.#next] = latency;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#count < this.#ring.length) this.#count++;
    this.#sorted = undefined;
  }

  /** The `p`-th percentile (0 < p <= 100); `undefined` while empty. */
  percentile(p: number): number | undefined {
    const n = this.#count;
    if (n === 0) return undefined;
    if (this.#sorted === undefined) this.#sorted = this.#ring.slice(0, n).sort();
    return this.#sorted[Math.min(n - 1, Math.floor((n * p) / 100))];
  }
}
