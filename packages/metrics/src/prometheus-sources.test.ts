import { ManualClock } from '@dyno/core/testing';
import { Metrics } from './metrics.js';
import { prometheusText } from './prometheus.js';
import {
  FakeBreaker,
  FakeFleetCircuit,
  FakeHedge,
  FakeHttp,
  FakeRateLimiter,
} from './test-support/fakes.js';
import { openMetricsCheck, promtoolCheck } from './test-support/promtool.js';

// Every source of the fleet and HTTP families observed at once, names with characters to escape.
function sources(): Metrics[] {
  const clock = new ManualClock();
  const origin = new Metrics({ name: 'api https://a.test', clock });
  const http = new FakeHttp('api https://a.test');
  origin.observe(http);
  http.answer(200, 200, 304, 404, 503);
  const hedge = new FakeHedge('hedge "a"');
  origin.observe(hedge);
  hedge.run(3, 1, 2);
  const partner = new Metrics({ name: 'partner', clock });
  const limiter = new FakeRateLimiter('fleet\\limit');
  partner.observe(limiter);
  limiter.decide(true);
  limiter.decide(false);
  limiter.fail();
  limiter.decide(true, 'local');
  const payments = new Metrics({ name: 'payments', clock });
  const fleet = new FakeFleetCircuit('payments\nfleet');
  payments.observe(new FakeBreaker('payments'));
  payments.observe(fleet);
  fleet.see({ live: 5, open: 3, isolating: true });
  fleet.fail();
  return [origin, partner, payments];
}

describe('prometheusText: the fleet and HTTP families', () => {
  it('passes `promtool check metrics`, and the OpenMetrics parser', () => {
    const text = prometheusText(sources(), { labels: { service: 'shop' } });
    const checked = promtoolCheck(text);
    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);
    const open = openMetricsCheck(prometheusText(sources(), { format: 'openmetrics' }));
    expect(open.output).toBe('');
    expect(open.status).toBe(0);
  });

  it('writes HTTP responses by status class and the hedge counters since start', () => {
    const text = prometheusText(sources());
    const l = 'name="api https://a.test"';
    expect(text).toMatch(/^# TYPE dyno_http_responses_total counter$/m);
    expect(text).toContain(`dyno_http_responses_total{${l},status_class="1xx"} 0\n`);
    expect(text).toContain(`dyno_http_responses_total{${l},status_class="2xx"} 2\n`);
    expect(text).toContain(`dyno_http_responses_total{${l},status_class="3xx"} 1\n`);
    expect(text).toContain(`dyno_http_responses_total{${l},status_class="4xx"} 1\n`);
    expect(text).toContain(`dyno_http_responses_total{${l},status_class="5xx"} 1\n`);
    const h = `${l},hedge="hedge \\"a\\""`;
    expect(text).toContain(`dyno_hedges_total{${h}} 3\n`);
    expect(text).toContain(`dyno_hedge_wins_total{${h}} 1\n`);
    expect(text).toContain(`dyno_hedge_refused_total{${h}} 2\n`);
  });

  it("writes the rate limiter's decisions by result, fallback decisions, Redis errors and Redis state", () => {
    const text = prometheusText(sources());
    const l = 'name="partner",limiter="fleet\\\\limit"';
    expect(text).toContain(`dyno_rate_limit_decisions_total{${l},result="admitted"} 2\n`);
    expect(text).toContain(`dyno_rate_limit_decisions_total{${l},result="refused"} 1\n`);
    expect(text).toContain(`dyno_rate_limit_fallback_decisions_total{${l}} 1\n`);
    expect(text).toContain(`dyno_rate_limit_redis_errors_total{${l}} 1\n`);
    expect(text).toContain(`dyno_rate_limit_redis_state{${l},state="closed"} 1\n`);
    expect(text).toContain(`dyno_rate_limit_redis_state{${l},state="open"} 0\n`);
    expect(text).toContain(`dyno_rate_limit_redis_state{${l},state="half-open"} 0\n`);
  });

  it('writes a Redis state it does not know as one more series, and none when the limiter has none', () => {
    const m = new Metrics({ name: 'p', clock: new ManualClock() });
    const limiter = new FakeRateLimiter('l');
    m.observe(limiter);
    limiter.redisState = 'forced';
    expect(prometheusText(m)).toContain(
      'dyno_rate_limit_redis_state{name="p",limiter="l",state="forced"} 1\n',
    );
    limiter.redisState = undefined;
    expect(prometheusText(m)).not.toContain('dyno_rate_limit_redis_state');
  });

  it("writes the fleet circuit's quorum view as gauges and its isolations as a counter", () => {
    const text = prometheusText(sources());
    const l = 'name="payments",fleet="payments\\nfleet"';
    expect(text).toContain(`dyno_fleet_members{${l}} 5\n`);
    expect(text).toContain(`dyno_fleet_open_members{${l}} 3\n`);
    expect(text).toContain(`dyno_fleet_isolating{${l}} 1\n`);
    expect(text).toContain(`dyno_fleet_connected{${l}} 1\n`);
    expect(text).toContain(`dyno_fleet_isolations_total{${l}} 1\n`);
    expect(text).toContain(`dyno_fleet_redis_errors_total{${l}} 1\n`);
    expect(text).toContain('dyno_circuit_state{name="payments",state="closed"} 1\n');
  });

  it('writes none of them for a Metrics that observes no such source', () => {
    const text = prometheusText(new Metrics({ name: 'plain', clock: new ManualClock() }));
    expect(text).not.toMatch(/dyno_(http|hedge|rate_limit|fleet)_/);
  });

  it('refuses the label names these families use as common labels', () => {
    for (const label of ['status_class', 'hedge', 'limiter', 'result', 'fleet']) {
      expect(() => prometheusText(sources(), { labels: { [label]: 'x' } })).toThrow(
        /invalid or reserved label name/,
      );
    }
  });
});
