import { format } from '@dyno/core';
import { Metrics } from './metrics.js';

/**
 * What an exporter reads: one `Metrics`, or any iterable of them (a `MetricsRegistry`, an
 * array). An iterable is read afresh at every export, so names added later show up.
 */
export type MetricsSource = Metrics | Iterable<Metrics>;

/** Checks `source` at construction and returns a function listing its live entries. */
export function entriesOf(pkgOption: string, source: unknown): () => Metrics[] {
  if (source instanceof Metrics) return () => (source.disposed ? [] : [source]);
  if (typeof source === 'object' && source !== null && Symbol.iterator in source) {
    const iterable = source as Iterable<unknown>;
    return () => {
      const out: Metrics[] = [];
      for (const m of iterable) if (m instanceof Metrics && !m.disposed) out.push(m);
      return out;
    };
  }
  throw new TypeError(
    `@dyno/metrics: ${pkgOption} must be a Metrics or an iterable of Metrics (such as a MetricsRegistry); received ${format(source)}`,
  );
}
