import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

/** A reader that collects only when told: no interval. */
class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export async function setup() {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const collect = async (): Promise<ResourceMetrics> => {
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    await new Promise<void>((resolve) => exporter.export(resourceMetrics, () => resolve()));
    return exporter.getMetrics().at(-1) as ResourceMetrics;
  };
  return { meter: provider.getMeter('test'), provider, collect };
}

export const points = (rm: ResourceMetrics, name: string): DataPoint<number>[] =>
  (rm.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === name)?.dataPoints ??
    []) as DataPoint<number>[];

export interface HistogramPoint {
  readonly attributes: Record<string, unknown>;
  readonly value: {
    buckets: { boundaries: number[]; counts: number[] };
    count: number;
    sum: number;
  };
}
export const histogram = (rm: ResourceMetrics, name: string): HistogramPoint[] =>
  (rm.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === name)?.dataPoints ??
    []) as unknown as HistogramPoint[];
export const of = (list: DataPoint<number>[], attributes: Record<string, unknown>) =>
  list.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value;
