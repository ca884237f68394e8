import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardExpressions, panelExpression } from './test-support/grafana.js';
import { promtool } from './test-support/promtool.js';

// What the dashboard's panels show, computed by Prometheus's own engine (`promtool test rules`)
// from series as the exporter writes them, for a fleet of three instances (a, b, c).

const STATES = ['closed', 'open', 'half-open', 'isolated', 'disabled'];

/** The five known state series of one circuit, 1 for `current` (and a series of its own for an unknown state). */
function circuit(name: string, instance: string, current: string): string[] {
  const states = STATES.includes(current) ? STATES : [...STATES, current];
  return states.map((state) =>
    series(
      `dyno_circuit_state{name="${name}",instance="${instance}",state="${state}"}`,
      `${state === current ? 1 : 0}+0x15`,
    ),
  );
}

function series(selector: string, values: string): string {
  return `      - series: '${selector}'\n        values: '${values}'`;
}

const INPUT = [
  ...circuit('checkout', 'a', 'open'),
  ...circuit('checkout', 'b', 'half-open'),
  ...circuit('checkout', 'c', 'forced'),
  ...circuit('search', 'a', 'closed'),
  ...circuit('search', 'b', 'isolated'),
  ...circuit('search', 'c', 'disabled'),
  series('dyno_circuit_open{name="checkout",instance="a"}', '1+0x15'),
  series('dyno_circuit_open{name="checkout",instance="b"}', '1+0x15'),
  series('dyno_circuit_open{name="search",instance="a"}', '0+0x15'),
  series('dyno_circuit_open{name="search",instance="b"}', '1+0x15'),
  series('dyno_circuit_open{name="search",instance="c"}', '0+0x15'),
  // checkout's pool db: 3 of 4 slots taken on a, 1 of 4 on b (an adaptive limit at 4)
  series('dyno_pool_active{name="checkout",instance="a",pool="db"}', '3+0x15'),
  series('dyno_pool_limit{name="checkout",instance="a",pool="db"}', '4+0x15'),
  series('dyno_pool_concurrency{name="checkout",instance="a",pool="db"}', '16+0x15'),
  series('dyno_pool_active{name="checkout",instance="b",pool="db"}', '1+0x15'),
  series('dyno_pool_limit{name="checkout",instance="b",pool="db"}', '4+0x15'),
  series('dyno_pool_concurrency{name="checkout",instance="b",pool="db"}', '16+0x15'),
  // checkout: 1 success and 1 failure a second on a, 2 successes on b; a fallback is no request
  series('dyno_calls_total{name="checkout",instance="a",outcome="success"}', '0+60x15'),
  series('dyno_calls_total{name="checkout",instance="a",outcome="failure"}', '0+60x15'),
  series('dyno_calls_total{name="checkout",instance="a",outcome="fallback-success"}', '0+60x15'),
  series('dyno_calls_total{name="checkout",instance="b",outcome="success"}', '0+120x15'),
  // (the exporter writes every outcome, 0 included: an instance without errors shows 0)
  series('dyno_calls_total{name="checkout",instance="b",outcome="failure"}', '0+0x15'),
  // checkout latency: on a every call under 100 ms, on b every call between 1 and 2.5 s
  series('dyno_latency_seconds_bucket{name="checkout",instance="a",le="0.1"}', '0+120x15'),
  series('dyno_latency_seconds_bucket{name="checkout",instance="a",le="1"}', '0+120x15'),
  series('dyno_latency_seconds_bucket{name="checkout",instance="a",le="2.5"}', '0+120x15'),
  series('dyno_latency_seconds_bucket{name="checkout",instance="a",le="+Inf"}', '0+120x15'),
  series('dyno_latency_seconds_bucket{name="checkout",instance="b",le="0.1"}', '0+0x15'),
  series('dyno_latency_seconds_bucket{name="checkout",instance="b",le="1"}', '0+0x15'),
  series('dyno_latency_seconds_bucket{name="checkout",instance="b",le="2.5"}', '0+120x15'),
  series('dyno_latency_seconds_bucket{name="checkout",instance="b",le="+Inf"}', '0+120x15'),
];

/** `{ labels: value }` expected of the panel's expression at 10 minutes, rounded to a thousandth. */
type Expected = Record<string, number>;

function testFile(cases: readonly { expr: string; expected: Expected }[]): string {
  const tests = cases.map(({ expr, expected }) =>
    [
      `      - expr: ${JSON.stringify(`round(${expr}, 0.001)`)}`,
      '        eval_time: 10m',
      '        exp_samples:',
      ...Object.entries(expected).map(
        ([labels, value]) => `          - labels: '${labels}'\n            value: ${value}`,
      ),
    ].join('\n'),
  );
  return [
    'rule_files: [none.yml]',
    'evaluation_interval: 1m',
    'tests:',
    '  - interval: 1m',
    '    input_series:',
    ...INPUT,
    '    promql_expr_test:',
    ...tests,
    '',
  ].join('\n');
}

function runTests(cases: readonly { expr: string; expected: Expected }[]): {
  status: number | null;
  output: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'dyno-dashboard-'));
  try {
    writeFileSync(join(dir, 'none.yml'), 'groups: []\n');
    writeFileSync(join(dir, 'dashboard.test.yml'), testFile(cases));
    return promtool(['test', 'rules', 'dashboard.test.yml'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// round() keeps the labels but drops the metric name, as every panel's aggregation does.
const CASES: { title: string; refId?: string; expected: Expected }[] = [
  { title: 'Circuits not closed', expected: { '{}': 2 } },
  {
    title: 'Circuit state per instance',
    expected: {
      '{name="checkout",instance="a"}': 1,
      '{name="checkout",instance="b"}': 2,
      '{name="checkout",instance="c"}': 5,
      '{name="search",instance="a"}': 0,
      '{name="search",instance="b"}': 3,
      '{name="search",instance="c"}': 4,
    },
  },
  { title: 'Pool saturation', expected: { '{name="checkout",pool="db"}': 0.5 } },
  {
    title: 'Pool saturation per instance',
    expected: {
      '{name="checkout",pool="db",instance="a"}': 0.75,
      '{name="checkout",pool="db",instance="b"}': 0.25,
    },
  },
  { title: 'Error ratio per service', expected: { '{name="checkout"}': 0.25 } },
  {
    title: 'Error ratio per instance',
    expected: { '{name="checkout",instance="a"}': 0.5, '{name="checkout",instance="b"}': 0 },
  },
  { title: 'Request rate per service', expected: { '{name="checkout"}': 4 } },
  // half the calls under 100 ms, half between 1 and 2.5 s: p99 interpolates in the last bucket
  { title: 'Latency quantiles per service', refId: 'C', expected: { '{name="checkout"}': 2.47 } },
  { title: 'Latency quantiles per service', refId: 'A', expected: { '{name="checkout"}': 0.1 } },
  {
    title: 'p99 latency per instance',
    expected: { '{name="checkout",instance="a"}': 0.099, '{name="checkout",instance="b"}': 2.485 },
  },
  { title: 'p99 latency (fleet)', expected: { '{}': 2.47 } },
];

describe('ops/grafana/dyno-fleet.json, evaluated by promtool', () => {
  it('shows what each panel says it shows, for a fleet of three instances', () => {
    const cases = CASES.map(({ title, refId, expected }) => ({
      expr: panelExpression(title, refId),
      expected,
    }));
    const { status, output } = runTests(cases);
    expect(output).toMatch(/SUCCESS/);
    expect(status).toBe(0);
  });

  it('relies on a check that fails when a panel computes something else (saturation over the configured concurrency)', () => {
    const wrong = panelExpression('Pool saturation').replace(
      /dyno_pool_limit/g,
      'dyno_pool_concurrency',
    );
    const { status, output } = runTests([
      { expr: wrong, expected: { '{name="checkout",pool="db"}': 0.5 } },
    ]);
    expect(output).toMatch(/FAILED/);
    expect(status).not.toBe(0);
  });

  it('filters every metric it reads by the $name and $instance variables', () => {
    const expressions = dashboardExpressions();
    for (const { title, refId, expr } of expressions) {
      const selectors = [...expr.matchAll(/\bdyno_[a-z_]+(\{[^}]*\})?/g)];
      expect(selectors.length).toBeGreaterThan(0);
      for (const [selector, labels = ''] of selectors) {
        const filtered =
          labels.includes('name=~"$name"') && labels.includes('instance=~"$instance"');
        expect([title, refId, selector, filtered]).toEqual([title, refId, selector, true]);
      }
    }
  });
});
