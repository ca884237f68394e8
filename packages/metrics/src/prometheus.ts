import type { IncomingMessage, ServerResponse } from 'node:http';
import { is, type Rule, reportListenerError, resolveOptions } from '@dyno/core';
import {
  Exposition,
  type ExpositionFormat,
  escapeLabelValue,
  negotiate,
} from './internal/exposition.js';
import { type Authorize, answerText, COLLECTION_FAILED, guarded } from './internal/guard.js';
import { addFleetFamilies, addRollingFamilies } from './internal/prometheus-families.js';
import type { MetricsSnapshot } from './snapshot.js';
import { entriesOf, type MetricsSource } from './source.js';

export type { Authorize, ExpositionFormat };

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
  /**
   * Also write the rolling-window figures of the Hystrix stream: `window_calls`,
   * `in_flight_max`, `error_percentage`, `request_rate`, `window_retries` (gauges) and
   * `window_latency_seconds` (a summary of the latency window). They describe one instance
   * and cannot be summed or averaged across instances; rates and ratios belong in PromQL over
   * the counters and the histogram.
   * @default false
   */
  readonly rolling?: boolean;
  /**
   * The format of `prometheusText` and `renderPrometheus`: the text format 0.0.4 or
   * OpenMetrics 1.0. `prometheusHandler` answers what the scrape's `Accept` header asks for and
   * uses this only when the header names neither.
   * @default 'text'
   */
  readonly format?: ExpositionFormat;
  /**
   * `prometheusHandler` only: decides whether a request may scrape (true: served, false:
   * `403`, a throw or rejection: `500`); may be async. Without it every request is served:
   * mount the handler where only the scraper can reach it.
   * @default undefined
   */
  readonly authorize?: Authorize;
}

/** The defaults of the Prometheus exporter. */
export const DEFAULT_PROMETHEUS_OPTIONS: Readonly<{
  prefix: string;
  labels: Readonly<Record<string, string>>;
  rolling: boolean;
  format: ExpositionFormat;
  authorize: Authorize | undefined;
}> = Object.freeze({
  prefix: 'dyno_',
  labels: Object.freeze({}) as Readonly<Record<string, string>>,
  rolling: false,
  format: 'text' as ExpositionFormat,
  authorize: undefined as Authorize | undefined,
}) satisfies PrometheusOptions;

type Resolved = typeof DEFAULT_PROMETHEUS_OPTIONS;

/** The content type of the text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The content type of OpenMetrics 1.0 text. */
export const OPENMETRICS_CONTENT_TYPE =
  'application/openmetrics-text; version=1.0.0; charset=utf-8';

const pattern = (expected: string, re: RegExp): Rule => ({
  expected,
  test: (v) => (typeof v !== 'string' ? 'type' : re.test(v) ? undefined : 'range'),
});
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED = new Set([
  'name',
  'outcome',
  'quantile',
  'pool',
  'le',
  'state',
  'cache',
  'status_class',
  'hedge',
  'limiter',
  'result',
  'fleet',
  'shedder',
  'reason',
  'priority',
]);
const RULES = {
  prefix: pattern(
    'a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*',
    /^[a-zA-Z_:][a-zA-Z0-9_:]*$/,
  ),
  labels: is.object,
  rolling: is.boolean,
  format: is.oneOf('text', 'openmetrics'),
  authorize: is.function,
};

function resolve(options: PrometheusOptions | undefined): Resolved {
  const o = resolveOptions('@dyno/metrics', options, RULES, DEFAULT_PROMETHEUS_OPTIONS);
  for (const [key, value] of Object.entries(o.labels)) {
    if (!LABEL_NAME.test(key) || key.startsWith('__') || RESERVED.has(key)) {
      throw new RangeError(
        `@dyno/metrics: option \`labels\` has an invalid or reserved label name ${JSON.stringify(key)} (must match [a-zA-Z_][a-zA-Z0-9_]*, not start with __, and not be ${[...RESERVED].join(', ')})`,
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
 * Renders snapshots in the text exposition format 0.0.4 (or OpenMetrics, option `format`):
 * counters since creation (`calls_total` by outcome, `retries_total`, `circuit_opened_total`,
 * `pool_started_total`, `pool_rejected_total`), gauges of now (`in_flight`, `circuit_open`,
 * `circuit_state`, `pool_*`) and latency as a histogram in seconds since creation
 * (`latency_seconds_bucket{le}`, `_sum`, `_count`), all of which a fleet can aggregate. The
 * rolling-window figures come only with `rolling: true`.
 */
export function renderPrometheus(
  snapshots: readonly MetricsSnapshot[],
  options?: PrometheusOptions,
): string {
  return render(snapshots, resolve(options));
}

function render(
  snapshots: readonly MetricsSnapshot[],
  o: Resolved,
  format = o.format,
  dropped?: number,
): string {
  const common = Object.entries(o.labels)
    .map(([k, v]) => `,${k}="${escapeLabelValue(v)}"`)
    .join('');
  const out = new Exposition();
  const seen = new Set<string>();
  for (const s of snapshots) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    const l = `name="${escapeLabelValue(s.name)}"${common}`;
    addFleetFamilies(out, o.prefix, s, l);
    if (o.rolling) addRollingFamilies(out, o.prefix, s, l);
  }
  if (dropped !== undefined) {
    const metric = `${o.prefix}names_dropped_total`;
    const labels = common === '' ? '' : `{${common.slice(1)}}`;
    out.add(
      metric,
      'counter',
      'New names that got no entry of their own in the registry (refused, evicted or counted in the overflow entry).',
      `${metric}${labels} ${dropped}`,
    );
  }
  return seen.size === 0 && dropped === undefined && format === 'text' ? '' : out.render(format);
}

// A source that bounds its names (a `MetricsRegistry`) says how many it dropped.
const droppedOf = (source: unknown): number | undefined => {
  const dropped = (source as { dropped?: unknown }).dropped;
  return typeof dropped === 'number' ? dropped : undefined;
};

/**
 * Renders every live `Metrics` of `source` (see `renderPrometheus`), and for a registry
 * `names_dropped_total`: the new names its `maxSize` kept from an entry of their own.
 */
export function prometheusText(source: MetricsSource, options?: PrometheusOptions): string {
  const o = resolve(options);
  return render(
    entriesOf('the Prometheus source', source)().map((m) => m.snapshot()),
    o,
    o.format,
    droppedOf(source),
  );
}

/**
 * A Node `http` request handler answering a Prometheus scrape: OpenMetrics 1.0 when the
 * `Accept` header prefers it (as Prometheus asks), the text format 0.0.4 otherwise, after the
 * `authorize` hook when given:
 * `createServer((req, res) => req.url === '/metrics' ? scrape(req, res) : ...)`.
 */
export function prometheusHandler(
  source: MetricsSource,
  options?: PrometheusOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const o = resolve(options);
  const entries = entriesOf('the Prometheus source', source);
  return (request, response) =>
    guarded(o.authorize, request, response, () => {
      const format = negotiate(request.headers.accept, o.format);
      let body: string;
      try {
        body = render(
          entries().map((m) => m.snapshot()),
          o,
          format,
          droppedOf(source),
        );
      } catch (error) {
        // A snapshot reads user code (the clock, an observed source's gauges). Thrown out of a
        // request handler it would end the process (or, after an async `authorize`, leave an
        // unhandled rejection and the scrape unanswered): the scrape fails with 500 instead, as
        // a failed collection does in Prometheus client libraries, and the error is reported.
        reportListenerError(error, '@dyno/metrics prometheusHandler');
        answerText(response, 500, COLLECTION_FAILED);
        return;
      }
      response.writeHead(200, {
        'Content-Type':
          format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE,
        Vary: 'Accept',
      });
      response.end(body);
    });
}
