import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ManualClock } from '@dyno/core/testing';
import { Metrics } from './metrics.js';
import {
  PROMETHEUS_CONTENT_TYPE,
  prometheusHandler,
  prometheusText,
  renderPrometheus,
} from './prometheus.js';
import { MetricsRegistry } from './registry.js';
import { FakeBreaker, FakePool } from './test-support/fakes.js';
import { close, fetchText, listen } from './test-support/http.js';

/** promtool from DYNO_PROMTOOL or PATH (Debian's `prometheus` package ships it). */
function findPromtool(): string {
  const fromEnv = process.env.DYNO_PROMTOOL;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv))
      throw new Error(`DYNO_PROMTOOL points to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'promtool');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'promtool not found: install it (Debian/Ubuntu: `apt-get install prometheus`) or set DYNO_PROMTOOL to its path; the Prometheus exporter test needs it',
  );
}

/** Runs `promtool check metrics` (parse and lint) on `text`. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync(findPromtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

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

  it('writes HELP and TYPE once per family, counters as totals and latency as a summary in seconds', () => {
    const text = prometheusText(sample());
    expect(text.match(/^# TYPE dyno_calls_total counter$/gm)).toHaveLength(1);
    expect(text).toMatch(/^# HELP dyno_calls_total Calls by outcome since start\.$/m);
    expect(text).toMatch(/^# TYPE dyno_latency_seconds summary$/m);
    expect(text).toMatch(/^# TYPE dyno_in_flight gauge$/m);
    expect(text).toContain('dyno_calls_total{name="idle",outcome="success"} 0\n');
    expect(text).toMatch(/^dyno_latency_seconds\{name="get .*",quantile="1"\} 0\.04$/m);
    expect(text).toMatch(/^dyno_latency_seconds_sum\{name="get .*"\} 0\.25$/m);
    expect(text).toMatch(/^dyno_latency_seconds_count\{name="get .*"\} 21$/m);
    expect(text).toContain('dyno_latency_seconds{name="idle",quantile="0.5"} NaN\n');
    expect(text).toMatch(/^dyno_circuit_open\{name="get .*"\} 1$/m);
    expect(text).toMatch(/^dyno_pool_active\{name="get .*",pool="db"\} 1$/m);
    expect(text).toMatch(/^# TYPE dyno_pool_abandoned gauge$/m);
    expect(text).toMatch(/^dyno_pool_abandoned\{name="get .*",pool="db"\} 2$/m);
    expect(text).not.toContain('dyno_circuit_open{name="idle"');
    expect(text.endsWith('\n')).toBe(true);
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
    [{ format: 'x' }, TypeError, 'unknown option `format`'],
  ])('rejects %j', (options, Kind, message) => {
    expect(() => prometheusText([], options as never)).toThrow(Kind);
    expect(() => prometheusHandler([], options as never)).toThrow(message);
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
