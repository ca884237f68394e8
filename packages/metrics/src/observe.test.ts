import { EventEmitter } from '@dyno/core';
import { listenerReports, ManualClock } from '@dyno/core/testing';
import { Metrics } from './metrics.js';
import { FakeBreaker, FakeCache, FakePool, FakeRetry } from './test-support/fakes.js';

const make = (clock = new ManualClock()) => new Metrics({ name: 'svc', clock });

describe('Metrics.observe', () => {
  it('reads a breaker state for the snapshot and counts how often it opened', () => {
    const m = make();
    const breaker = new FakeBreaker();
    m.observe(breaker);
    expect(m.snapshot().circuit).toEqual({
      name: 'breaker',
      state: 'closed',
      open: false,
      opened: 0,
      totalOpened: 0,
    });
    breaker.moveTo('open');
    breaker.moveTo('half-open');
    expect(m.snapshot().circuit).toEqual({
      name: 'breaker',
      state: 'half-open',
      open: true,
      opened: 1,
      totalOpened: 1,
    });
  });

  it('does not count a breaker outcome that record() counts already (outcomes off by default)', () => {
    const m = make();
    const breaker = new FakeBreaker();
    m.observe(breaker);
    // what @dyno/service does: it records the outcome itself
    breaker.success.emit({ name: 'breaker', duration: 5 });
    m.record('success', 5);
    breaker.reject.emit({ name: 'breaker', state: 'open' });
    m.record('short-circuited');
    const s = m.snapshot();
    expect(s.counts.success).toBe(1);
    expect(s.counts.shortCircuited).toBe(1);
    expect(s.latency.count).toBe(1);
  });

  it('counts a breaker outcome events as outcomes with { outcomes: true }', () => {
    const m = make();
    const breaker = new FakeBreaker();
    m.observe(breaker, { outcomes: true });
    breaker.success.emit({ name: 'breaker', duration: 5 });
    breaker.failure.emit({ name: 'breaker', duration: 9, error: new Error('x') });
    breaker.reject.emit({ name: 'breaker', state: 'open' });
    const s = m.snapshot();
    expect(s.counts).toMatchObject({ success: 1, failure: 1, shortCircuited: 1 });
    expect(s.latency.percentiles['100']).toBe(9);
  });

  it('reads pool gauges and counts tasks started, refused and the rolling max active', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const pool = new FakePool();
    m.observe(pool);
    pool.run();
    pool.run();
    pool.queued = 3;
    pool.refuse();
    pool.done('success', 4);
    expect(m.snapshot().pool).toEqual({
      name: 'pool',
      active: 1,
      queued: 3,
      concurrency: 4,
      queue: 8,
      abandoned: 0,
      limit: 4,
      adaptive: null,
      executed: 2,
      rejected: 1,
      maxActive: 2,
      totalExecuted: 2,
      totalRejected: 1,
    });
    expect(m.snapshot().counts.success).toBe(0);
    expect(m.snapshot().counts.rejected).toBe(0);
    await clock.advance(20_000);
    // one task still runs, so the rolling max stays at its level
    expect(m.snapshot().pool).toMatchObject({ executed: 0, rejected: 0, maxActive: 1 });
    // the totals since creation stay
    expect(m.snapshot().pool).toMatchObject({ totalExecuted: 2, totalRejected: 1 });
  });

  it('does not listen to pool settlements unless asked for outcomes', () => {
    const m = make();
    const pool = new FakePool();
    m.observe(pool);
    expect([pool.start.hasListeners, pool.rejected.hasListeners]).toEqual([true, true]);
    expect(pool.settle.hasListeners).toBe(false);
    const other = new FakePool('other');
    m.observe(other, { outcomes: true });
    expect(other.settle.hasListeners).toBe(true);
  });

  it('counts a pool start in the bucket of its onStart event', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const pool = new FakePool();
    m.observe(pool);
    const now = jest.spyOn(clock, 'now');
    clock.set(1000);
    pool.run();
    pool.run();
    expect(now).toHaveBeenCalledTimes(2); // one clock read per start
    pool.run();
    pool.done('success', 1);
    pool.done('success', 1);
    // the three starts belong to the bucket from 1000 to 2000: gone once the window passes it
    await clock.advance(9_999);
    expect(m.snapshot().pool).toMatchObject({ executed: 3, maxActive: 3, active: 1 });
    await clock.advance(1);
    expect(m.snapshot().pool).toMatchObject({ executed: 0, maxActive: 1, active: 1 });
  });

  it("reads a pool's starts at begin() with { poolStarts: 'begin' }, with no listener", async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const pool = new FakePool();
    pool.run(); // before observing: not counted
    pool.done('success', 1);
    m.observe(pool, { poolStarts: 'begin' });
    expect(pool.start.hasListeners).toBe(false);
    expect(pool.rejected.hasListeners).toBe(true);
    clock.set(1_000);
    pool.run();
    m.begin(1_000);
    pool.run();
    pool.run();
    m.begin(1_000);
    m.begin(1_000); // nothing new started
    expect(m.snapshot().pool).toMatchObject({ executed: 3, maxActive: 3, active: 3 });
    for (let i = 0; i < 3; i++) pool.done('success', 1);
    // a start that no begin() follows is read by the next snapshot
    pool.run();
    expect(m.snapshot().pool).toMatchObject({ executed: 4, maxActive: 3, active: 1 });
    await clock.advance(10_000);
    expect(m.snapshot().pool).toMatchObject({ executed: 0, maxActive: 1, active: 1 });
  });

  it('takes the rolling max at begin(), and stops reading the pool once unsubscribed', () => {
    const clock = new ManualClock();
    const m = make(clock);
    const pool = new FakePool();
    const subscription = m.observe(pool, { poolStarts: 'begin' });
    pool.run();
    pool.run();
    m.begin(0);
    pool.done('success', 1);
    pool.done('success', 1);
    // the level at the start was 2, though none runs by the time of the snapshot
    expect(m.snapshot().pool).toMatchObject({ executed: 2, maxActive: 2, active: 0 });
    subscription.dispose();
    pool.run();
    m.begin(0);
    expect(m.snapshot().pool).toBeNull();
    m.observe(pool);
    expect(m.snapshot().pool).toMatchObject({ executed: 2, active: 1 });
  });

  it("counts a pool's started count that went back as restarted from 0, never as 4 billion starts (regression)", () => {
    const m = make();
    const pool = new FakePool();
    pool.run();
    m.observe(pool, { poolStarts: 'begin' });
    pool.run();
    m.begin(0);
    pool.started = 0; // a pool of another package that counts from 0 again
    pool.run();
    m.begin(0);
    // it read 4294967295 executed over the window, and -1 since creation
    expect(m.snapshot().pool).toMatchObject({ executed: 2, totalExecuted: 2 });
    (pool as { started: number }).started = Number.NaN; // no count: nothing to add
    m.begin(0);
    pool.started = 3;
    m.begin(0);
    expect(m.snapshot().pool).toMatchObject({ executed: 4, totalExecuted: 4 });
  });

  it("counts the starts of two pools observed with { poolStarts: 'begin' } (two services)", () => {
    const m = make();
    const first = new FakePool();
    const second = new FakePool();
    m.observe(first, { poolStarts: 'begin' });
    m.observe(second, { poolStarts: 'begin' });
    for (const pool of [first, second, first, second]) {
      pool.run();
      m.begin(0);
    }
    expect(m.snapshot().pool).toMatchObject({ executed: 4, totalExecuted: 4 });
  });

  it("rejects { poolStarts: 'begin' } for a pool without a started count, and bad values", () => {
    const m = make();
    const pool = new FakePool();
    const bare = Object.assign(Object.create(pool), { started: undefined });
    expect(() => m.observe(bare, { poolStarts: 'begin' })).toThrow(
      "@dyno/metrics: a pool observed with `poolStarts: 'begin'` must have a numeric `started`; received undefined",
    );
    expect(() => m.observe(pool, { poolStarts: 'never' as never })).toThrow(
      '@dyno/metrics: option `poolStarts` must be one of "events", "begin"; received "never"',
    );
  });

  it('takes the rolling max from the starts, and stops counting once unsubscribed', () => {
    const m = make();
    const pool = new FakePool();
    const subscription = m.observe(pool);
    pool.run();
    pool.run();
    pool.done('success', 1);
    pool.done('success', 1);
    // the level at the second start was 2, though none runs by the time of the snapshot
    expect(m.snapshot().pool).toMatchObject({ executed: 2, maxActive: 2, active: 0 });
    subscription.dispose();
    pool.run();
    expect(m.snapshot().pool).toBeNull();
    m.observe(pool);
    expect(m.snapshot().pool).toMatchObject({ executed: 2, active: 1 });
  });

  it('counts the starts of a pool observed alone in the bucket of each start', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const pool = new FakePool();
    m.observe(pool);
    pool.run();
    pool.done('success', 1);
    await clock.advance(1_000);
    pool.run();
    // the window from 1000 to 10999 holds the second start only
    await clock.advance(9_000);
    expect(m.snapshot().pool).toMatchObject({ executed: 1, maxActive: 1, totalExecuted: 2 });
    await clock.advance(1_000);
    expect(m.snapshot().pool).toMatchObject({ executed: 0, maxActive: 1, totalExecuted: 2 });
  });

  it('seeds the rolling max active of a new bucket with the level the pool holds', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    const pool = new FakePool();
    m.observe(pool);
    pool.run();
    pool.run();
    pool.run();
    m.record('success', 1);
    pool.done('success', 1);
    await clock.advance(10_000);
    m.record('success', 1);
    expect(m.snapshot().pool).toMatchObject({ active: 2, maxActive: 2, executed: 0 });
  });

  it('counts an observed outcome whose duration is no latency without it, rather than losing it (regression)', async () => {
    const m = make();
    const breaker = new FakeBreaker();
    const pool = new FakePool();
    const cache = new FakeCache();
    m.observe(breaker, { outcomes: true });
    m.observe(pool, { outcomes: true });
    m.observe(cache);
    // a source's clock that went back, or that broke: each was refused inside the listener, the
    // outcome lost with its latency and reported as a listener error
    const reports = await listenerReports(() => {
      breaker.success.emit({ name: 'breaker', duration: Number.NaN });
      breaker.failure.emit({ name: 'breaker', duration: -3, error: new Error('x') });
      breaker.success.emit({ name: 'breaker', duration: null as never });
      pool.run();
      pool.done('timeout', Number.POSITIVE_INFINITY);
      pool.run();
      pool.done('success', 4);
      const load = { name: 'cache', key: 'k', outcome: 'success', background: false };
      cache.load.emit({ ...load, duration: Number.POSITIVE_INFINITY });
    });
    expect(reports).toEqual([]);
    const s = m.snapshot();
    expect(s.counts).toMatchObject({ success: 3, failure: 1, timeout: 1 });
    expect(s.latency).toMatchObject({ count: 1, totalCount: 1, totalSum: 4 });
    // a load time of Infinity held the load seconds counter at +Inf for good
    expect(s.cache?.totalLoadTime).toBe(0);
  });

  it('counts pool settlements and refusals as outcomes with { outcomes: true }', () => {
    const m = make();
    const pool = new FakePool();
    m.observe(pool, { outcomes: true });
    for (const outcome of ['success', 'failure', 'timeout', 'cancelled']) {
      pool.run();
      pool.done(outcome, 3);
    }
    pool.refuse();
    const s = m.snapshot();
    expect(s.counts).toMatchObject({ success: 1, failure: 1, timeout: 1, rejected: 1 });
    expect(s.latency.count).toBe(3);
  });

  it('counts what an observed cache did: hits, misses, stale serves, refreshes, loads, store errors', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    expect(m.snapshot().cache).toBeNull();
    const bare = m.byteLength;
    const cache = new FakeCache('users-cache');
    const sub = m.observe(cache);
    expect(m.byteLength).toBe(bare + 10 * 12 * 8 + 12 * 8);
    cache.busy();
    const counts = {
      hits: 2,
      misses: 1,
      stale: 1,
      refreshes: 1,
      loads: { success: 1, failure: 1, timeout: 1 },
      storeErrors: 1,
      busDrops: 0,
      busErrors: 0,
      storeCircuitOpened: 0,
      tierReadErrors: 0,
    };
    expect(m.snapshot().cache).toEqual({
      name: 'users-cache',
      ...counts,
      totals: counts,
      totalLoadTime: 100,
    });
    // nothing of the cache counts as a call
    expect(m.snapshot().requests).toBe(0);
    await clock.advance(10_000);
    cache.miss.emit({ name: 'users-cache', key: 'z' });
    const later = m.snapshot().cache;
    expect(later).toMatchObject({ hits: 0, misses: 1, totals: { hits: 2, misses: 2 } });
    sub.dispose();
    expect(m.snapshot().cache).toBeNull();
    expect(cache.hit.hasListeners).toBe(false);
    expect(cache.error.hasListeners).toBe(false);
  });

  it('regression: counts the bus drops, bus errors and failed Redis reads of a cache\u2019s two-tier store', async () => {
    const clock = new ManualClock();
    const m = make(clock);
    // a TieredStore's shape: the cache never hears of these, so they used to be counted nowhere
    const busState = new EventEmitter<{ name: string; connected: boolean }>();
    const tierError = new EventEmitter<{ name: string; during: string; key: string }>();
    const cache = new FakeCache('users-cache', {
      onBusState: busState.event,
      onError: tierError.event,
    });
    const sub = m.observe(cache);
    busState.emit({ name: 'tier', connected: false });
    busState.emit({ name: 'tier', connected: true });
    busState.emit({ name: 'tier', connected: false });
    for (const during of ['publish', 'subscribe', 'message', 'read', 'something-else']) {
      tierError.emit({ name: 'tier', during, key: 'k' });
    }
    const counts = { busDrops: 2, busErrors: 3, tierReadErrors: 1, storeErrors: 0, hits: 0 };
    expect(m.snapshot().cache).toMatchObject({ ...counts, totals: counts });
    await clock.advance(10_000);
    expect(m.snapshot().cache).toMatchObject({ busDrops: 0, totals: { busDrops: 2 } });
    sub.dispose();
    expect(busState.hasListeners).toBe(false);
    expect(tierError.hasListeners).toBe(false);
  });

  it('regression: counts the times a cache stopped using its store (its store circuit opened)', () => {
    const m = make();
    const cache = new FakeCache('users-cache');
    m.observe(cache);
    // while the circuit is open the store is skipped: no store error shows it
    cache.circuit.emit({ name: 'users-cache', state: 'open' });
    cache.circuit.emit({ name: 'users-cache', state: 'closed' });
    cache.circuit.emit({ name: 'users-cache', state: 'open' });
    expect(m.snapshot().cache).toMatchObject({
      storeCircuitOpened: 2,
      totals: { storeCircuitOpened: 2 },
    });
  });

  it('observes a cache whose store has neither event, or is no object', () => {
    const m = make();
    const plain = new FakeCache('plain', { get: () => undefined });
    m.observe(plain);
    const odd = new FakeCache('odd', 'not a store' as never);
    new Metrics({ name: 'other' }).observe(odd);
    plain.busy();
    expect(m.snapshot().cache).toMatchObject({
      storeErrors: 1,
      tierReadErrors: 0,
      busDrops: 0,
      busErrors: 0,
    });
  });

  it('observes a cache with only onHit and onMiss', () => {
    const m = make();
    const hit = new EventEmitter<{ name: string }>();
    const miss = new EventEmitter<{ name: string }>();
    m.observe({ name: 'tiny', onHit: hit.event, onMiss: miss.event });
    hit.emit({ name: 'tiny' });
    expect(m.snapshot().cache).toMatchObject({ name: 'tiny', hits: 1, misses: 0, stale: 0 });
  });

  it('counts retries of an observed retry', () => {
    const m = make();
    const retry = new FakeRetry();
    const sub = m.observe(retry);
    retry.retry.emit({ name: 'retry', attempt: 1, delay: 0 });
    retry.retry.emit({ name: 'retry', attempt: 2, delay: 0 });
    expect(m.snapshot().retries).toBe(2);
    sub.dispose();
    retry.retry.emit({ name: 'retry', attempt: 3, delay: 0 });
    expect(m.snapshot().retries).toBe(2);
    expect(m.snapshot().totalRetries).toBe(2);
    expect(retry.retry.hasListeners).toBe(false);
  });

  it('stops observing and forgets the gauges when the subscription is disposed', () => {
    const m = make();
    const breaker = new FakeBreaker();
    const pool = new FakePool();
    const b = m.observe(breaker, { outcomes: true });
    const p = m.observe(pool);
    b.dispose();
    b.dispose();
    p[Symbol.dispose]();
    expect(m.snapshot().circuit).toBeNull();
    expect(m.snapshot().pool).toBeNull();
    expect(
      breaker.stateChange.hasListeners || breaker.success.hasListeners || pool.start.hasListeners,
    ).toBe(false);
  });

  it('shows the breaker and pool observed before when the newer ones are disposed', () => {
    // two services recording into one Metrics, the one observed last going first
    const m = make();
    m.observe(new FakeBreaker('a'));
    m.observe(new FakePool('a'));
    const later = [m.observe(new FakeBreaker('b')), m.observe(new FakePool('b'))];
    expect([m.snapshot().circuit?.name, m.snapshot().pool?.name]).toEqual(['b', 'b']);
    for (const observation of later) observation.dispose();
    expect([m.snapshot().circuit?.name, m.snapshot().pool?.name]).toEqual(['a', 'a']);
  });

  it('keeps the newest breaker when an older one is disposed', () => {
    const m = make();
    const first = m.observe(new FakeBreaker('a'));
    m.observe(new FakeBreaker('b'));
    first.dispose();
    expect(m.snapshot().circuit?.name).toBe('b');
  });

  it('unsubscribes from everything on dispose', () => {
    const m = make();
    const breaker = new FakeBreaker();
    const pool = new FakePool();
    m.observe(breaker);
    m.observe(pool);
    m.dispose();
    expect(breaker.stateChange.hasListeners).toBe(false);
    expect(pool.start.hasListeners).toBe(false);
  });

  it('rejects what it cannot observe, and bad options', () => {
    const m = make();
    expect(() => m.observe({ name: 'x' } as never)).toThrow(
      /^@dyno\/metrics: observe\(\) takes a breaker \(name, state, onStateChange\), a pool .*, a retry \(name, onRetry\), a cache \(name, onHit, onMiss\), an HTTP source \(name, onResponse\), a hedge \(name, onHedge, onWin\), a fleet rate limiter \(name, onDecision\), a fleet circuit \(name, view, onView\) or a load shedder \(name, onAdmit, onShed\); received an object$/,
    );
    expect(() => m.observe(null as never)).toThrow(TypeError);
    expect(() => m.observe(new FakeRetry(), { outcomes: 1 } as never)).toThrow(
      '@dyno/metrics: option `outcomes` must be a boolean; received 1',
    );
    expect(() => m.observe(new FakeRetry(), { count: true } as never)).toThrow(
      'unknown option `count`',
    );
  });
});
