import type { Metrics } from '../metrics.js';

export { CIRCUIT_STATES } from '../internal/prometheus-families.js';

interface Series {
  metrics: Metrics;
  base: number[];
  last: readonly number[];
  /** The number of the last `sweep` round in which the name was reported. */
  round: number;
}

/**
 * How many names a `Carry` remembers after they left the source (deleted or evicted from a
 * registry), so that they continue their series if they come back. Beyond it the names gone
 * longest are forgotten (they would restart at 0, which a backend reads as a counter reset):
 * without a bound, a registry that evicts idle names would grow this memory for ever.
 */
export const REMEMBERED_NAMES = 1000;

/**
 * Keeps observable counters monotonic per name: when the `Metrics` behind a name changes (the
 * name deleted from a registry and made again), the new instance's totals continue from the
 * last ones seen of the old, rather than restarting at 0 (which a backend reads as a reset).
 */
export class Carry {
  // in the order names were last reported: those gone longest come first
  readonly #series = new Map<string, Series>();
  readonly #remembered: number;
  #round = 0;
  #reported = 0;

  constructor(remembered = REMEMBERED_NAMES) {
    this.#remembered = remembered;
  }

  /**
   * The totals to report for `name`, whose `Metrics` is now `metrics` with totals `now`, in the
   * same order (a tuple in, the same tuple out).
   */
  continued<T extends number[]>(metrics: Metrics, name: string, now: [...T]): T {
    let series = this.#series.get(name);
    if (series === undefined) {
      series = { metrics, base: now.map(() => 0), last: now, round: -1 };
    } else {
      this.#series.delete(name);
      if (series.metrics !== metrics) {
        const last = series.last;
        series.base = series.base.map((b, i) => b + (last[i] as number));
        series.metrics = metrics;
      }
    }
    this.#series.set(name, series);
    if (series.round !== this.#round) {
      series.round = this.#round;
      this.#reported++;
    }
    series.last = now;
    const base = series.base;
    return now.map((v, i) => v + (base[i] as number)) as T;
  }

  /**
   * Ends a collection: forgets the names gone longest while more than `REMEMBERED_NAMES` names
   * were not reported in it.
   */
  sweep(): void {
    let gone = this.#series.size - this.#reported;
    for (const [name, series] of this.#series) {
      if (gone <= this.#remembered || series.round === this.#round) break;
      this.#series.delete(name);
      gone--;
    }
    this.#round++;
    this.#reported = 0;
  }

  /** How many names are remembered (tests). */
  get size(): number {
    return this.#series.size;
  }
}
