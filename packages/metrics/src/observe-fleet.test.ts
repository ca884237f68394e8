import { ManualClock } from '@dyno/core/testing';
import { toHystrixCommand } from './hystrix-format.js';
import { Metrics } from './metrics.js';
import { FakeBreaker, FakeFleetCircuit, FakeRateLimiter } from './test-support/fakes.js';

const make = (clock = new ManualClock()) => new Metrics({ name: 'partner', clock });

describe('Metrics.observe: a fleet rate limiter', () => {
  it('counts decisions, refusals, decisions made without Redis and Redis errors, over the window and since creation', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const limiter = new FakeRateLimiter('partner-api');
    m.observe(limiter);
    limiter.decide(true);
    limiter.decide(true);
    limiter.decide(false);
    limiter.fail();
    limiter.decide(true, 'local');
    limiter.decide(false, 'local');
    expect(m.snapshot().rateLimit).toEqual({
      name: 'partner-api',
      redisState: 'closed',
      admitted: 3,
      refused: 2,
      fallback: 2,
      redisErrors: 1,
      totals: { admitted: 3, refused: 2, fallback: 2, redisErrors: 1 },
    });
    await clock.advance(10_000);
    limiter.decide(true);
    expect(m.snapshot().rateLimit).toMatchObject({
      admitted: 1,
      refused: 0,
      fallback: 0,
      redisErrors: 0,
      totals: { admitted: 4, refused: 2, fallback: 2, redisErrors: 1 },
    });
  });

  it("reads the limiter's Redis state at snapshot time, and counts no outcome", () => {
    const m = make();
    const limiter = new FakeRateLimiter();
    m.observe(limiter);
    limiter.redisState = 'open';
    limiter.decide(false, 'refuse');
    const s = m.snapshot();
    expect(s.rateLimit?.redisState).toBe('open');
    expect(s.requests).toBe(0);
    expect(s.counts.rejected).toBe(0);
  });

  it('takes a limiter with decisions only: no Redis state, no Redis errors', () => {
    const m = make();
    const decisions = new FakeRateLimiter('bare');
    m.observe({ name: 'bare', onDecision: decisions.onDecision });
    decisions.decide(true, 'allow');
    expect(m.snapshot().rateLimit).toEqual({
      name: 'bare',
      redisState: null,
      admitted: 1,
      refused: 0,
      fallback: 1,
      redisErrors: 0,
      totals: { admitted: 1, refused: 0, fallback: 1, redisErrors: 0 },
    });
    expect(toHystrixCommand(m.snapshot(), 0)).not.toHaveProperty('dynoRateRedisState');
  });

  it('stops counting when the subscription is disposed, and shows nothing then', () => {
    const m = make();
    const limiter = new FakeRateLimiter();
    const sub = m.observe(limiter);
    limiter.decide(true);
    sub.dispose();
    limiter.decide(true);
    limiter.fail();
    expect(m.snapshot().rateLimit).toBeNull();
    expect(limiter.decision.hasListeners).toBe(false);
    expect(limiter.redisError.hasListeners).toBe(false);
  });

  it('carries the window of decisions as dyno fields of the HystrixCommand', () => {
    const m = make();
    const limiter = new FakeRateLimiter();
    m.observe(limiter);
    limiter.decide(true);
    limiter.decide(false);
    limiter.fail();
    limiter.decide(true, 'local');
    limiter.redisState = 'half-open';
    expect(toHystrixCommand(m.snapshot(), 0)).toMatchObject({
      dynoRateAdmitted: 2,
      dynoRateRefused: 1,
      dynoRateFallback: 1,
      dynoRateRedisErrors: 1,
      dynoRateRedisState: 'half-open',
    });
  });
});

describe('Metrics.observe: a fleet circuit', () => {
  it('reads the quorum view at snapshot time: live members, open reports, isolation, connection', () => {
    const m = make();
    const fleet = new FakeFleetCircuit('payments');
    m.observe(fleet);
    expect(m.snapshot().fleet).toEqual({
      name: 'payments',
      live: 1,
      open: 0,
      isolating: false,
      connected: true,
      isolations: 0,
      redisErrors: 0,
      totals: { isolations: 0, redisErrors: 0 },
    });
    // a view read without an event (a member expired between heartbeats) shows too
    fleet.view = { ...fleet.view, live: 5, open: 3, isolating: true };
    expect(m.snapshot().fleet).toMatchObject({ live: 5, open: 3, isolating: true });
  });

  it('counts each isolation by the quorum once, and Redis errors, over the window and since creation', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const fleet = new FakeFleetCircuit();
    m.observe(fleet);
    fleet.see({ live: 5, open: 2 });
    fleet.see({ open: 3, isolating: true });
    fleet.see({ open: 4, isolating: true }); // still the same isolation
    fleet.see({ open: 1, isolating: false });
    fleet.see({ open: 3, isolating: true });
    fleet.fail();
    expect(m.snapshot().fleet).toMatchObject({
      live: 5,
      open: 3,
      isolating: true,
      isolations: 2,
      redisErrors: 1,
      totals: { isolations: 2, redisErrors: 1 },
    });
    await clock.advance(10_000);
    fleet.see({ live: 0, open: 0, isolating: false, connected: false });
    expect(m.snapshot().fleet).toEqual({
      name: 'fleet',
      live: 0,
      open: 0,
      isolating: false,
      connected: false,
      isolations: 0,
      redisErrors: 0,
      totals: { isolations: 2, redisErrors: 1 },
    });
  });

  it('does not count an isolation already in place when observing starts', () => {
    const m = make();
    const fleet = new FakeFleetCircuit();
    fleet.view = { ...fleet.view, live: 3, open: 2, isolating: true };
    m.observe(fleet);
    fleet.see({ open: 3 });
    expect(m.snapshot().fleet?.isolations).toBe(0);
  });

  it('takes a fleet circuit without onRedisError', () => {
    const m = make();
    const fleet = new FakeFleetCircuit();
    m.observe({ name: 'quiet', view: fleet.view, onView: fleet.onView });
    expect(m.snapshot().fleet).toMatchObject({ name: 'quiet', redisErrors: 0 });
  });

  it('shows beside the breaker it isolates, as dyno fields of the HystrixCommand', () => {
    const m = make();
    const breaker = new FakeBreaker('payments');
    const fleet = new FakeFleetCircuit('payments');
    m.observe(breaker);
    m.observe(fleet);
    fleet.see({ live: 5, open: 3, isolating: true });
    breaker.moveTo('isolated');
    fleet.fail();
    const command = toHystrixCommand(m.snapshot(), 0);
    expect(command).toMatchObject({
      isCircuitBreakerOpen: true,
      dynoCircuitState: 'isolated',
      dynoFleetMembers: 5,
      dynoFleetOpen: 3,
      dynoFleetIsolating: true,
      dynoFleetConnected: true,
      dynoFleetIsolations: 1,
      dynoFleetRedisErrors: 1,
    });
    expect(toHystrixCommand(make().snapshot(), 0)).not.toHaveProperty('dynoFleetMembers');
  });

  it('forgets the fleet circuit when the Metrics is disposed', () => {
    const m = make();
    const fleet = new FakeFleetCircuit();
    m.observe(fleet);
    m.dispose();
    expect(fleet.viewChange.hasListeners).toBe(false);
    expect(fleet.redisError.hasListeners).toBe(false);
  });

  it('adds the bytes of its counters only once a fleet part is observed', () => {
    const m = make();
    const before = m.byteLength;
    m.observe(new FakeFleetCircuit());
    // 10 buckets and the totals, 2 slots each
    expect(m.byteLength - before).toBe(11 * 2 * 8);
    m.observe(new FakeFleetCircuit('another'));
    expect(m.byteLength - before).toBe(11 * 2 * 8);
  });
});
