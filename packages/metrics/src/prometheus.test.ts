import { ManualClock } from '@dyno/core/testing';
import { Metrics } from './metrics.js';
import {
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  prometheusHandler,
  prometheusText,
  renderPrometheus,
} from './prometheus.js';
import { MetricsRegistry } from './registry.js';
import { FakeBreaker, FakeCache, FakePool, FakeTieredStore } from './test-support/fakes.js';
import { close, fetchText, listen } from './test-support/http.js';
import { openMetricsCheck, promtoolCheck } from './test-support/promtool.js';

function sample(): Metrics[] {
  const clock = new ManualClock();
  const m = new Metrics({ name: 'get "user"\\by id\nv2', clock });
  for (let i = 1; i <= 20; i++) m.record('success', i);
  m.record('failure', 40);
  m.record('rejected');
  m.begin();
  const breaker = new FakeBreaker();
  m.observe(breaker);
  breaker.moveTo('open');
  const pool = new FakePool('db');
  m.observe(pool);
  pool.run();
  pool.abandoned = 2;
  const idle = new Metrics({ name: 'idle', clock });
  return [m, idle];
}

describe('prometheusText', () => {
  it('passes `promtool check metrics` (parser and linter), labels with quotes, backslashes and new lines included', () => {
    const text = prometheusText(sample(), { labels: { service: 'shop "eu"' } });
    const { status, output } = promtoolCheck(text);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('relies on a promtool that does reject broken text', () => {
    expect(promtoolCheck('# TYPE x counter\nx{a="b\nc"} 1\n').status).not.toBe(0);
  });

  it('escapes label values', () => {
    const text = prometheusText(sample());
    expect(text).toContain('dyno_in_flight{name="get \\"user\\"\\\\by id\\nv2"} 1\n');
  });

  it('writes counters as _total, latency as a histogram in seconds, and no rolling gauges by default', () => {
    const text = prometheusText(sample());
    expect(text.match(/^# TYPE dyno_calls_total counter$/gm)).toHaveLength(1);
    expect(text).toMatch(/^# HELP dyno_calls_total Calls by outcome since start\.$/m);
    expect(text).toContain('dyno_calls_total{name="idle",outcome="success"} 0\n');
    expect(text).toMatch(/^dyno_retries_total\{name="idle"\} 0$/m);
    expect(text).toMatch(/^dyno_circuit_opened_total\{name="get .*"\} 1$/m);
    expect(text).toMatch(/^dyno_pool_started_total\{name="get .*",pool="db"\} 1$/m);
    expect(text).toMatch(/^# TYPE dyno_latency_seconds histogram$/m);
    // 1..20 ms and 40 ms: cumulative counts at the default bounds, +Inf = _count. A bucket of
    // the log-linear histogram counts by its middle, so 1 ms and 10 ms, which start a bucket,
    // count above those bounds (within the histogram's 0.78 %).
    expect(text).toMatch(/^dyno_latency_seconds_bucket\{name="get .*",le="0.001"\} 0$/m);
    expect(text).toMatch(/^dyno_latency_seconds_bucket\{name="get .*",le="0.0025"\} 2$/m);
    expect(text).toMatch(/^dyno_latency_seconds_bucket\{name="get .*",le="0.01"\} 9$/m);
    expect(text).toMatch(/^dyno_latency_seconds_bucket\{name="get .*",le="0.025"\} 20$/m);
    expect(text).toMatch(/^dyno_latency_seconds_bucket\{name="get .*",le="0.05"\} 21$/m);
    expect(text).toMatch(/^dyno_latency_seconds_bucket\{name="get .*",le="\+Inf"\} 21$/m);
    expect(text).toMatch(/^dyno_latency_seconds_sum\{name="get .*"\} 0\.25$/m);
    expect(text).toMatch(/^dyno_latency_seconds_count\{name="get .*"\} 21$/m);
    expect(text).toContain('dyno_latency_seconds_bucket{name="idle",le="+Inf"} 0\n');
    expect(text).not.toMatch(/quantile=|window_calls|error_percentage|request_rate/);
    expect(text).toMatch(/^dyno_in_flight\{name="get .*"\} 1$/m);
    expect(text).toMatch(/^dyno_circuit_open\{name="get .*"\} 1$/m);
    expect(text).toMatch(/^dyno_circuit_state\{name="get .*",state="open"\} 1$/m);
    expect(text).toMatch(/^dyno_circuit_state\{name="get .*",state="closed"\} 0$/m);
    expect(text).toMatch(/^dyno_pool_active\{name="get .*",pool="db"\} 1$/m);
    expect(text).toMatch(/^# TYPE dyno_pool_abandoned gauge$/m);
    expect(text).toMatch(/^dyno_pool_abandoned\{name="get .*",pool="db"\} 2$/m);
    expect(text).not.toContain('dyno_circuit_open{name="idle"');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('writes the `latencyBoundaries` in seconds as written in ms, without binary rounding', () => {
    const m = new Metrics({ name: 'x', clock: new ManualClock(), latencyBoundaries: [0.3, 33.3] });
    m.record('success', 20);
    m.record('success', 40);
    const text = prometheusText(m);
    expect(text).toContain('dyno_latency_seconds_bucket{name="x",le="0.0003"} 0\n');
    expect(text).toContain('dyno_latency_seconds_bucket{name="x",le="0.0333"} 1\n');
    expect(text).toContain('dyno_latency_seconds_bucket{name="x",le="+Inf"} 2\n');
    expect(text).not.toContain('0.03329');
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });

  it('writes the Hystrix rolling figures as documented extras with `rolling: true`', () => {
    const text = prometheusText(sample(), { rolling: true });
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    expect(text).toMatch(/^# TYPE dyno_window_calls gauge$/m);
    expect(text).toMatch(/^# HELP dyno_error_percentage .*\(Hystrix extra\)\.$/m);
    expect(text).toMatch(/^# TYPE dyno_window_latency_seconds summary$/m);
    expect(text).toMatch(/^dyno_window_latency_seconds\{name="get .*",quantile="1"\} 0\.04$/m);
    expect(text).toContain('dyno_window_latency_seconds{name="idle",quantile="0.5"} NaN\n');
  });

  it('writes a circuit state Dyno does not know as a series of its own', () => {
    const m = new Metrics({ name: 'x', clock: new ManualClock() });
    const breaker = new FakeBreaker();
    m.observe(breaker);
    breaker.moveTo('forced "open"');
    const text = prometheusText(m);
    expect(text).toContain('dyno_circuit_state{name="x",state="forced \\"open\\""} 1\n');
    expect(text).toContain('dyno_circuit_state{name="x",state="disabled"} 0\n');
  });

  it('writes OpenMetrics that the OpenMetrics parser of promtool reads: counter families without _total, UNIT, # EOF', () => {
    const text = prometheusText(sample(), {
      format: 'openmetrics',
      rolling: true,
      labels: { service: 'shop "eu"' },
    });
    expect(text).toMatch(/^# TYPE dyno_calls counter$/m);
    expect(text).toMatch(/^dyno_calls_total\{/m);
    expect(text).toMatch(/^# UNIT dyno_latency_seconds seconds$/m);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(openMetricsCheck(text)).toEqual({ status: 0, output: '' });
    expect(prometheusText([], { format: 'openmetrics' })).toBe('# EOF\n');
  });

  it('relies on an OpenMetrics check that does reject broken text', () => {
    const text = prometheusText(sample(), { format: 'openmetrics' });
    expect(openMetricsCheck(text.replace('# EOF\n', '')).status).not.toBe(0);
    expect(
      openMetricsCheck(text.replace('outcome="success"', 'outcome="suc\ncess"')).status,
    ).not.toBe(0);
  });

  it('writes one series per name and nothing at all for no names', () => {
    const [m] = sample();
    const s = (m as Metrics).snapshot();
    expect(renderPrometheus([s, s]).match(/^dyno_in_flight\{/gm)).toHaveLength(1);
    expect(renderPrometheus([])).toBe('');
  });

  it('takes a prefix', () => {
    expect(prometheusText(sample(), { prefix: 'app_' })).toMatch(
      /^# TYPE app_calls_total counter$/m,
    );
  });

  it.each([
    [
      { prefix: '9x' },
      RangeError,
      '@dyno/metrics: option `prefix` must be a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*; received "9x"',
    ],
    [{ labels: { 'bad-name': 'x' } }, RangeError, 'invalid or reserved label name "bad-name"'],
    [{ labels: { __x: 'x' } }, RangeError, 'invalid or reserved label name "__x"'],
    [{ labels: { outcome: 'x' } }, RangeError, 'invalid or reserved label name "outcome"'],
    [
      { labels: { env: 3 } },
      TypeError,
      '@dyno/metrics: option `labels.env` must be a string; received number',
    ],
    [{ formt: 'x' }, TypeError, 'unknown option `formt`'],
    [{ format: 'json' }, RangeError, 'option `format`'],
    [{ rolling: 1 }, TypeError, 'option `rolling` must be a boolean'],
    [{ authorize: true }, TypeError, 'option `authorize` must be a function'],
    [{ labels: { le: 'x' } }, RangeError, 'invalid or reserved label name "le"'],
  ])('rejects %j', (options, Kind, message) => {
    expect(() => prometheusText([], options as never)).toThrow(Kind);
    expect(() => prometheusHandler([], options as never)).toThrow(message);
  });
});

describe('prometheusText with an observed cache', () => {
  it('writes the cache counters since creation, labelled with the cache name', () => {
    const m = new Metrics({ name: 'get-user', clock: new ManualClock() });
    const tier = new FakeTieredStore();
    const cache = new FakeCache('users "cache"', tier);
    m.observe(cache);
    cache.busy();
    tier.busy();
    cache.circuit.emit({ name: 'users', state: 'open' });
    const text = prometheusText(m);
    const c = 'name="get-user",cache="users \\"cache\\""';
    expect(text).toContain(`dyno_cache_hits_total{${c}} 2\n`);
    expect(text).toContain(`dyno_cache_misses_total{${c}} 1\n`);
    expect(text).toContain(`dyno_cache_stale_total{${c}} 1\n`);
    expect(text).toContain(`dyno_cache_refreshes_total{${c}} 1\n`);
    expect(text).toContain(`dyno_cache_loads_total{${c},outcome="timeout"} 1\n`);
    expect(text).toContain(`dyno_cache_load_seconds_total{${c}} 0.1\n`);
    expect(text).toContain(`dyno_cache_store_errors_total{${c}} 1\n`);
    expect(text).toContain(`dyno_cache_tier_read_errors_total{${c}} 1\n`);
    expect(text).toContain(`dyno_cache_bus_drops_total{${c}} 1\n`);
    expect(text).toContain(`dyno_cache_store_circuit_opened_total{${c}} 1\n`);
    expect(text).toContain(`dyno_cache_bus_errors_total{${c}} 1\n`);
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    expect(openMetricsCheck(prometheusText(m, { format: 'openmetrics' }))).toEqual({
      status: 0,
      output: '',
    });
  });
});

describe('prometheusText over a bounded registry', () => {
  it('counts the names the bound dropped in names_dropped_total', () => {
    const registry = new MetricsRegistry({
      maxSize: 1,
      whenFull: 'overflow',
      metrics: { clock: new ManualClock() },
    });
    expect(prometheusText(registry)).toBe(
      '# HELP dyno_names_dropped_total New names that got no entry of their own in the registry (refused, evicted or counted in the overflow entry).\n# TYPE dyno_names_dropped_total counter\ndyno_names_dropped_total 0\n',
    );
    registry.get('tenant-1').record('success', 1);
    registry.get('tenant-2').record('success', 1);
    registry.get('tenant-3').record('success', 1);
    const text = prometheusText(registry, { labels: { service: 'gw' } });
    expect(text).toContain('dyno_names_dropped_total{service="gw"} 2\n');
    expect(text).toContain(
      'dyno_calls_total{name="dyno.overflow",service="gw",outcome="success"} 2\n',
    );
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });
});

describe('prometheusHandler', () => {
  it('answers a real scrape over HTTP on 127.0.0.1 with the 0.0.4 text format', async () => {
    const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
    registry.get('checkout').record('success', 12);
    const scrape = prometheusHandler(registry, { labels: { instance_group: 'a' } });
    const { server, url } = await listen((req, res) =>
      req.url === '/metrics' ? scrape(req, res) : res.end(),
    );
    try {
      const first = await fetchText(`${url}/metrics`);
      expect(first.status).toBe(200);
      expect(first.type).toBe(PROMETHEUS_CONTENT_TYPE);
      expect(first.body).toContain(
        'dyno_calls_total{name="checkout",instance_group="a",outcome="success"} 1\n',
      );
      expect(promtoolCheck(first.body)).toEqual({ status: 0, output: '' });
      registry.get('late').record('failure');
      const second = await fetchText(`${url}/metrics`);
      expect(second.body).toContain(
        'dyno_calls_total{name="late",instance_group="a",outcome="failure"} 1\n',
      );
    } finally {
      await close(server);
    }
  });
});

describe('prometheusHandler: content negotiation and authorize', () => {
  // What Prometheus 2.x sends when scraping.
  const PROMETHEUS_ACCEPT =
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

  async function scrape(
    handler: ReturnType<typeof prometheusHandler>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; type: string; body: string }> {
    const { server, url } = await listen((req, res) => handler(req, res));
    try {
      const response = await fetch(`${url}/metrics`, { headers });
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        body: await response.text(),
      };
    } finally {
      await close(server);
    }
  }

  it('answers OpenMetrics to what Prometheus asks for, and the text format otherwise', async () => {
    const m = new Metrics({ name: 'checkout', clock: new ManualClock() });
    m.record('success', 3);
    const handler = prometheusHandler(m);
    const open = await scrape(handler, { Accept: PROMETHEUS_ACCEPT });
    expect(open.type).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(open.body).toMatch(/^# TYPE dyno_calls counter$/m);
    expect(open.body.endsWith('# EOF\n')).toBe(true);
    expect(openMetricsCheck(open.body)).toEqual({ status: 0, output: '' });
    // Prometheus 3.x: qualities on every type, escaping parameters
    const v3 = await scrape(handler, {
      Accept:
        'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
    });
    expect(v3.type).toBe(OPENMETRICS_CONTENT_TYPE);
    const text = await scrape(handler, { Accept: 'text/plain;version=0.0.4' });
    expect(text.type).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(promtoolCheck(text.body)).toEqual({ status: 0, output: '' });
    // text preferred by quality, and no preference at all
    const preferred = await scrape(handler, {
      Accept: 'application/openmetrics-text;q=0.3,text/plain;q=0.9',
    });
    expect(preferred.type).toBe(PROMETHEUS_CONTENT_TYPE);
    expect((await scrape(handler, { Accept: '*/*' })).type).toBe(PROMETHEUS_CONTENT_TYPE);
    const fallback = prometheusHandler(m, { format: 'openmetrics' });
    expect((await scrape(fallback, { Accept: '*/*' })).type).toBe(OPENMETRICS_CONTENT_TYPE);
    const refused = await scrape(handler, { Accept: 'application/openmetrics-text;q=0' });
    expect(refused.type).toBe(PROMETHEUS_CONTENT_TYPE);
  });

  it('serves only what `authorize` allows: 403 when refused, 500 when it throws or rejects', async () => {
    const m = new Metrics({ name: 'checkout', clock: new ManualClock() });
    const seen: (string | undefined)[] = [];
    const allowed = prometheusHandler(m, {
      authorize: (req) => {
        seen.push(req.headers.authorization);
        return req.headers.authorization === 'Bearer scraper';
      },
    });
    expect((await scrape(allowed, { Authorization: 'Bearer scraper' })).status).toBe(200);
    const refused = await scrape(allowed, { Authorization: 'Bearer someone' });
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain('dyno_');
    expect(seen).toEqual(['Bearer scraper', 'Bearer someone']);
    const later = prometheusHandler(m, { authorize: async () => true });
    expect((await scrape(later)).body).toContain('dyno_calls_total');
    const laterNo = prometheusHandler(m, { authorize: async () => false });
    expect((await scrape(laterNo)).status).toBe(403);
    const throws = prometheusHandler(m, {
      authorize: () => {
        throw new Error('token store down');
      },
    });
    expect((await scrape(throws)).status).toBe(500);
    const rejects = prometheusHandler(m, { authorize: () => Promise.reject(new Error('down')) });
    const failed = await scrape(rejects);
    expect(failed.status).toBe(500);
    expect(failed.body).not.toContain('down');
    const truthy = prometheusHandler(m, { authorize: (() => 'yes') as never });
    expect((await scrape(truthy)).status).toBe(403);
  });
});
