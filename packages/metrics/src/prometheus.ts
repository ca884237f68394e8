import type { IncomingMessage, ServerResponse } from 'node:http';
import { is, type Rule, resolveOptions } from '@dyno/core';
import type { OutcomeCounts } from './outcome.js';
import { LATENCY_PERCENTILES, type MetricsSnapshot, type PercentileKey } from './snapshot.js';
import { entriesOf, type MetricsSource } from './source.js';

/** Options of `prometheusText` and `prometheusHandler`. */
export interface PrometheusOptions {
  /**
   * Put before every metric name.
   * @default 'dyno_'
   */
  readonly prefix?: string;
  /**
   * Labels added to every sample, such as `{ service: 'checkout' }`.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The defaults of the Prometheus exporter. */
export const DEFAULT_PROMETHEUS_OPTIONS: Readonly<Required<PrometheusOptions>> = Object.freeze({
  prefix: 'dyno_',
  labels: Object.freeze({}),
});

/** The content type of the text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const pattern = (expected: string, re: RegExp): Rule => ({
  expected,
  test: (v) => (typeof v !== 'string' ? 'type' : re.test(v) ? undefined : 'range'),
});
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED = new Set(['name', 'outcome', 'quantile', 'pool']);
const RULES = {
  prefix: pattern(
    'a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*',
    /^[a-zA-Z_:][a-zA-Z0-9_:]*$/,
  ),
  labels: is.object,
};

const OUTCOME_LABELS: readonly [keyof OutcomeCounts, string][] = [
  ['success', 'success'],
  ['failure', 'failure'],
  ['timeout', 'timeout'],
  ['shortCircuited', 'short-circuited'],
  ['rejected', 'rejected'],
  ['fallbackSuccess', 'fallback-success'],
  ['fallbackFailure', 'fallback-failure'],
];

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const num = (v: number | null): string => {
  if (v === null || Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
};

interface Family {
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'summary';
  readonly samples: string[];
}

function resolve(options: PrometheusOptions | undefined): Required<PrometheusOptions> {
  const o = resolveOptions('@dyno/metrics', options, RULES, DEFAULT_PROMETHEUS_OPTIONS);
  for (const [key, value] of Object.entries(o.labels)) {
    if (!LABEL_NAME.test(key) || key.startsWith('__') || RESERVED.has(key)) {
      throw new RangeError(
        `@dyno/metrics: option \`labels\` has an invalid or reserved label name ${JSON.stringify(key)} (must match [a-zA-Z_][a-zA-Z0-9_]*, not start with __, and not be name, outcome, quantile or pool)`,
      );
    }
    if (typeof value !== 'string') {
      throw new TypeError(
        `@dyno/metrics: option \`labels.${key}\` must be a string; received ${typeof value}`,
      );
    }
  }
  return o;
}

/**
 * Renders snapshots in the Prometheus text exposition format 0.0.4: outcome totals as a
 * counter, rolling figures and pool gauges as gauges, and latency as a summary in seconds whose
 * quantiles cover the latency window while `_sum` and `_count` run since creation.
 */
export function renderPrometheus(
  snapshots: readonly MetricsSnapshot[],
  options?: PrometheusOptions,
): string {
  const { prefix, labels } = resolve(options);
  const common = Object.entries(labels)
    .map(([k, v]) => `,${k}="${escapeLabelValue(v)}"`)
    .join('');
  const families = new Map<string, Family>();
  const add = (metric: string, type: Family['type'], help: string, sample: string): void => {
    let family = families.get(metric);
    if (family === undefined) {
      family = { help, type, samples: [] };
      families.set(metric, family);
    }
    family.samples.push(sample);
  };
  const seen = new Set<string>();
  for (const s of snapshots) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    const l = `name="${escapeLabelValue(s.name)}"${common}`;
    const calls = `${prefix}calls_total`;
    for (const [key, outcome] of OUTCOME_LABELS) {
      add(
        calls,
        'counter',
        'Calls by outcome since start.',
        `${calls}{${l},outcome="${outcome}"} ${num(s.totals[key])}`,
      );
    }
    const windowCalls = `${prefix}window_calls`;
    for (const [key, outcome] of OUTCOME_LABELS) {
      add(
        windowCalls,
        'gauge',
        'Calls by outcome over the rolling window.',
        `${windowCalls}{${l},outcome="${outcome}"} ${num(s.counts[key])}`,
      );
    }
    const gauge = (metric: string, help: string, value: number, extra = ''): void =>
      add(prefix + metric, 'gauge', help, `${prefix}${metric}{${l}${extra}} ${num(value)}`);
    gauge('in_flight', 'Calls in flight.', s.inFlight);
    gauge('in_flight_max', 'Most calls in flight at once over the rolling window.', s.maxInFlight);
    gauge(
      'error_percentage',
      'Failed, timed-out, short-circuited and rejected calls as a percentage of requests over the rolling window.',
      s.errorPercentage,
    );
    gauge('request_rate', 'Requests per second over the rolling window.', s.requestRate);
    gauge('window_retries', 'Retries over the rolling window.', s.retries);
    if (s.circuit !== null)
      gauge(
        'circuit_open',
        'Whether the circuit is open (1) or closed (0).',
        s.circuit.open ? 1 : 0,
      );
    if (s.pool !== null) {
      const pool = `,pool="${escapeLabelValue(s.pool.name)}"`;
      gauge('pool_active', 'Tasks running in the pool.', s.pool.active, pool);
      gauge('pool_queued', 'Tasks waiting in the pool queue.', s.pool.queued, pool);
      gauge('pool_concurrency', 'The pool concurrency limit.', s.pool.concurrency, pool);
      gauge(
        'pool_abandoned',
        'Timed-out tasks given back their slot that still run (they ignored their signal).',
        s.pool.abandoned,
        pool,
      );
    }
    const latency = `${prefix}latency_seconds`;
    const help =
      'Call latency in seconds: quantiles over the latency window, sum and count since start.';
    for (const p of LATENCY_PERCENTILES) {
      const value = s.latency.percentiles[String(p) as PercentileKey];
      add(
        latency,
        'summary',
        help,
        `${latency}{${l},quantile="${p / 100}"} ${num(value === null ? null : value / 1000)}`,
      );
    }
    add(latency, 'summary', help, `${latency}_sum{${l}} ${num(s.latency.totalSum / 1000)}`);
    add(latency, 'summary', help, `${latency}_count{${l}} ${num(s.latency.totalCount)}`);
  }
  let out = '';
  for (const [metric, family] of families) {
    out += `# HELP ${metric} ${escapeHelp(family.help)}\n# TYPE ${metric} ${family.type}\n`;
    out += `${family.samples.join('\n')}\n`;
  }
  return out;
}

/** Renders every live `Metrics` of `source` in the text exposition format 0.0.4. */
export function prometheusText(source: MetricsSource, options?: PrometheusOptions): string {
  resolve(options);
  return renderPrometheus(
    entriesOf('the Prometheus source', source)().map((m) => m.snapshot()),
    options,
  );
}

/**
 * A Node `http` request handler answering a Prometheus scrape with the text format 0.0.4:
 * `createServer((req, res) => req.url === '/metrics' ? scrape(req, res) : ...)`.
 */
export function prometheusHandler(
  source: MetricsSource,
  options?: PrometheusOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  resolve(options);
  const entries = entriesOf('the Prometheus source', source);
  return (_request, response) => {
    const body = renderPrometheus(
      entries().map((m) => m.snapshot()),
      options,
    );
    response.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
    response.end(body);
  };
}
