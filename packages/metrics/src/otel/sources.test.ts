import { ManualClock } from '@dyno/core/testing';
import { Metrics, MetricsRegistry } from '@dyno/metrics';
import { registerOtelMetrics } from '@dyno/metrics/otel';
import {
  FakeFleetCircuit,
  FakeHedge,
  FakeHttp,
  FakePool,
  FakeRateLimiter,
} from '../test-support/fakes.js';
import { of, points, setup } from '../test-support/otel.js';

describe('registerOtelMetrics: the fleet and HTTP sources', () => {
  it('reports HTTP responses by status class and the hedge counters', async () => {
    const { meter, provider, collect } = await setup();
    const m = new Metrics({ name: 'api https://a.test', clock: new ManualClock() });
    const http = new FakeHttp();
    const hedge = new FakeHedge('api-hedge');
    m.observe(http);
    m.observe(hedge);
    registerOtelMetrics(meter, m);
    http.answer(200, 201, 404, 503);
    hedge.run(3, 2, 1);
    const rm = await collect();
    const name = { 'dyno.name': 'api https://a.test' };
    const responses = points(rm, 'dyno.http.responses');
    expect(of(responses, { ...name, 'dyno.http.status_class': '2xx' })).toBe(2);
    expect(of(responses, { 'dyno.http.status_class': '4xx' })).toBe(1);
    expect(of(responses, { 'dyno.http.status_class': '5xx' })).toBe(1);
    expect(of(responses, { 'dyno.http.status_class': '1xx' })).toBe(0);
    const h = { ...name, 'dyno.hedge.name': 'api-hedge' };
    expect(of(points(rm, 'dyno.hedges'), h)).toBe(3);
    expect(of(points(rm, 'dyno.hedge.wins'), h)).toBe(2);
    expect(of(points(rm, 'dyno.hedge.refused'), h)).toBe(1);
    await provider.shutdown();
  });

  it("reports the rate limiter's decisions, fallback decisions, Redis errors and Redis state", async () => {
    const { meter, provider, collect } = await setup();
    const m = new Metrics({ name: 'partner', clock: new ManualClock() });
    const limiter = new FakeRateLimiter('partner-api');
    m.observe(limiter);
    registerOtelMetrics(meter, m);
    limiter.decide(true);
    limiter.decide(false);
    limiter.fail();
    limiter.decide(true, 'local');
    limiter.redisState = 'open';
    const rm = await collect();
    const a = { 'dyno.name': 'partner', 'dyno.rate_limit.name': 'partner-api' };
    const decisions = points(rm, 'dyno.rate_limit.decisions');
    expect(of(decisions, { ...a, 'dyno.rate_limit.result': 'admitted' })).toBe(2);
    expect(of(decisions, { ...a, 'dyno.rate_limit.result': 'refused' })).toBe(1);
    expect(of(points(rm, 'dyno.rate_limit.fallback_decisions'), a)).toBe(1);
    expect(of(points(rm, 'dyno.rate_limit.redis.errors'), a)).toBe(1);
    const states = points(rm, 'dyno.rate_limit.redis.state');
    expect(of(states, { 'dyno.redis.state': 'open' })).toBe(1);
    expect(of(states, { 'dyno.redis.state': 'closed' })).toBe(0);
    limiter.redisState = 'stuck';
    const later = await collect();
    expect(of(points(later, 'dyno.rate_limit.redis.state'), { 'dyno.redis.state': 'stuck' })).toBe(
      1,
    );
    await provider.shutdown();
  });

  it("reports the fleet circuit's quorum view and isolations, continued across a re-created name", async () => {
    const { meter, provider, collect } = await setup();
    const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
    registerOtelMetrics(meter, registry);
    const fleet = new FakeFleetCircuit('payments-fleet');
    registry.get('payments').observe(fleet);
    fleet.see({ live: 4, open: 2, isolating: true });
    fleet.fail();
    const rm = await collect();
    const a = { 'dyno.name': 'payments', 'dyno.fleet.name': 'payments-fleet' };
    expect(of(points(rm, 'dyno.fleet.members'), a)).toBe(4);
    expect(of(points(rm, 'dyno.fleet.open_members'), a)).toBe(2);
    expect(of(points(rm, 'dyno.fleet.isolating'), a)).toBe(1);
    expect(of(points(rm, 'dyno.fleet.connected'), a)).toBe(1);
    expect(of(points(rm, 'dyno.fleet.isolations'), a)).toBe(1);
    expect(of(points(rm, 'dyno.fleet.redis.errors'), a)).toBe(1);
    registry.delete('payments');
    fleet.see({ isolating: false, connected: false });
    registry.get('payments').observe(fleet);
    fleet.see({ isolating: true });
    const after = await collect();
    expect(of(points(after, 'dyno.fleet.isolations'), a)).toBe(2);
    expect(of(points(after, 'dyno.fleet.redis.errors'), a)).toBe(1);
    expect(of(points(after, 'dyno.fleet.connected'), a)).toBe(0);
    await provider.shutdown();
  });

  it("reports an adaptive pool's limit as it moves, and nothing of sources not observed", async () => {
    const { meter, provider, collect } = await setup();
    const m = new Metrics({ name: 'checkout', clock: new ManualClock() });
    const pool = new FakePool('db', 10);
    pool.limit = 10;
    m.observe(pool);
    registerOtelMetrics(meter, m);
    pool.limit = 27;
    const rm = await collect();
    expect(of(points(rm, 'dyno.pool.limit'), { 'dyno.pool.name': 'db' })).toBe(27);
    for (const name of ['dyno.http.responses', 'dyno.hedges', 'dyno.fleet.members']) {
      expect(points(rm, name)).toHaveLength(0);
    }
    await provider.shutdown();
  });
});
