import type { Metrics } from '../metrics.js';

export { CIRCUIT_STATES } from '../internal/prometheus-families.js';

interface Series {
  metrics: Metrics;
  base: number[];
  last: readonly number[];
}

/**
 * Keeps observable counters monotonic per name: when the `Metrics` behind a name changes (the
 * name deleted from a registry and made again), the new instance's totals continue from the
 * last ones seen of the old, rather than restarting at 0 (which a backend reads as a reset).
 */
export class Carry {
  readonly #series = new Map<string, Series>();

  /** The totals to report for `name`, whose `Metrics` is now `metrics` with totals `now`. */
  continued(metrics: Metrics, name: string, now: readonly number[]): number[] {
    let series = this.#series.get(name);
    if (series === undefined) {
      series = { metrics, base: now.map(() => 0), last: now };
      this.#series.set(name, series);
    } else if (series.metrics !== metrics) {
      const last = series.last;
      series.base = series.base.map((b, i) => b + (last[i] as number));
      series.metrics = metrics;
    }
    series.last = now;
    const base = series.base;
    return now.map((v, i) => v + (base[i] as number));
  }
}
