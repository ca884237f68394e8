import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@dyno/core/testing';
import { Metrics } from './metrics.js';
import { prometheusText } from './prometheus.js';
import { FakeBreaker, FakePool, FakeRetry } from './test-support/fakes.js';
import { dashboardExpressions, substitute } from './test-support/grafana.js';
import { promtool } from './test-support/promtool.js';

// The Prometheus rules and the Grafana dashboard shipped in ops/, checked as CI would: promtool
// parses the rules and runs their unit tests; every PromQL expression of the dashboard goes
// through `promtool check rules`; every metric either names is one the exporter writes.
const OPS = join(__dirname, '..', 'ops');
const RULES = join(OPS, 'prometheus', 'dyno-rules.yml');
const RULE_TESTS = join(OPS, 'prometheus', 'dyno-rules.test.yml');

/** Writes `rules` (YAML text) to a throwaway directory and runs `promtool check rules`. */
function checkRules(rules: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dyno-rules-'));
  try {
    writeFileSync(join(dir, 'rules.yml'), rules);
    return promtool(['check', 'rules', join(dir, 'rules.yml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the shipped rule unit tests against the shipped rules with `from` replaced by `to` (a rule
 * broken on purpose), in a throwaway directory.
 */
function testBrokenRules(from: string, to: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dyno-rules-'));
  try {
    const rules = readFileSync(RULES, 'utf8');
    expect(rules).toContain(from); // else the rule was not broken
    writeFileSync(join(dir, 'dyno-rules.yml'), rules.replace(from, to));
    writeFileSync(join(dir, 'dyno-rules.test.yml'), readFileSync(RULE_TESTS, 'utf8'));
    return promtool(['test', 'rules', 'dyno-rules.test.yml'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every metric family a fully observed `Metrics` exports, without the histogram suffixes. */
function exportedNames(): Set<string> {
  const m = new Metrics({ name: 'x', clock: new ManualClock() });
  m.observe(new FakeBreaker());
  const pool = new FakePool();
  pool.adaptive = { min: 1, max: 10 }; // an adaptive pool writes its bounds too
  m.observe(pool);
  m.observe(new FakeRetry());
  const text = prometheusText(m);
  const names = new Set<string>();
  for (const match of text.matchAll(/^([a-z_]+)\{/gm)) names.add(match[1] as string);
  return names;
}

const metricsIn = (expr: string): string[] =>
  // not the recorded series (`name:dyno_errors:rate5m`), which the rules themselves write
  [...expr.matchAll(/(?<![:\w])(dyno_[a-z_]+)(?![:\w])/g)].map((m) => m[1] as string);

describe('ops/prometheus/dyno-rules.yml', () => {
  it('passes `promtool check rules`', () => {
    const { status, output } = promtool(['check', 'rules', RULES]);
    expect(output).toMatch(/SUCCESS: 14 rules found/);
    expect(status).toBe(0);
  });

  it('passes its unit tests: `promtool test rules` (series in, alerts out)', () => {
    const { status, output } = promtool(['test', 'rules', RULE_TESTS]);
    expect(output).toMatch(/SUCCESS/);
    expect(status).toBe(0);
  });

  it('has unit tests that fail when a rule is wrong (an isolated circuit alerting)', () => {
    const { status, output } = testBrokenRules(
      'state=~"open|half-open"',
      'state=~"open|half-open|isolated"',
    );
    expect(output).toMatch(/alertname: DynoCircuitOpen/);
    expect(status).not.toBe(0);
  });

  it('has unit tests that fail when the p99 alert loses its traffic minimum (a rare job alerting)', () => {
    const { status, output } = testBrokenRules(
      'name:dyno_latency_seconds:p99_5m > 1 and name:dyno_requests:rate5m > 1',
      'name:dyno_latency_seconds:p99_5m > 1',
    );
    expect(output).toMatch(/alertname="DynoHighLatencyP99", job="shop", name="rare"/);
    expect(status).not.toBe(0);
  });

  it('reads only metrics the exporter writes', () => {
    const exported = exportedNames();
    const rules = readFileSync(RULES, 'utf8');
    const used = new Set(metricsIn(rules).map((n) => n.replace(/_bucket$/, '')));
    expect(used.size).toBeGreaterThan(4);
    for (const name of used)
      expect([name, exported.has(name) || exported.has(`${name}_bucket`)]).toEqual([name, true]);
  });
});

describe('ops/grafana/dyno-fleet.json', () => {
  it('has every PromQL expression accepted by `promtool check rules`', () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(20);
    const rules = [
      'groups:',
      '  - name: grafana',
      '    rules:',
      ...expressions.flatMap(({ expr }, i) => [
        `      - record: dyno_grafana_check_${i}`,
        `        expr: ${JSON.stringify(substitute(expr))}`,
      ]),
    ].join('\n');
    const { status, output } = checkRules(`${rules}\n`);
    expect(output).toContain(`SUCCESS: ${expressions.length} rules found`);
    expect(status).toBe(0);
  });

  it('relies on a check that does reject a broken expression', () => {
    const rules =
      'groups:\n  - name: g\n    rules:\n      - record: x\n        expr: "sum by (name (rate(x[5m]))"\n';
    expect(checkRules(rules).status).not.toBe(0);
  });

  it('queries only metrics the exporter writes, and covers circuits, errors, latency and pools', () => {
    const exported = exportedNames();
    const expressions = dashboardExpressions();
    for (const { title, expr } of expressions) {
      for (const name of metricsIn(expr)) {
        expect([title, name, exported.has(name)]).toEqual([title, name, true]);
      }
    }
    const all = expressions.map((e) => e.expr).join('\n');
    for (const needed of [
      'dyno_circuit_state',
      'dyno_circuit_open',
      'histogram_quantile(0.99',
      'dyno_pool_active',
      'dyno_pool_abandoned',
      'dyno_pool_limit',
      'by (name, instance)',
    ]) {
      expect(all).toContain(needed);
    }
  });
});
