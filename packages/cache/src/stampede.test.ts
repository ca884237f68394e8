import { sleep } from '@dyno/core';
import { ManualClock, seededRandom } from '@dyno/core/testing';
import { Cache } from './cache.js';
import {
  exponentialRefresh,
  linearRefresh,
  type RefreshPolicy,
  staticRefresh,
  xfetch,
} from './refresh.js';

// Steady Poisson load on one key: 0.05 requests per ms (50/s), a recompute
// of 200 ms, a ttl of 5 s, for 100 expiry cycles (about 25,000 requests), all on the manual clock.
const RATE = 0.05;
const DELTA = 200;
const TTL = 5000;
const CYCLES = 100;

interface Outcome {
  /** Recomputations per ttl of simulated time (the cold start excluded). */
  readonly perCycle: number;
  /** Share of refreshes that started before the entry they replace expired. */
  readonly early: number;
  /** Callers that waited for a load after the cold start. */
  readonly waited: number;
  readonly requests: number;
}

async function simulate(refresh: RefreshPolicy | false | 'naive', seed: number): Promise<Outcome> {
  const clock = new ManualClock(0);
  const arrivals = seededRandom(seed);
  let loads = 0;
  let earlyLoads = 0;
  let expiry = Number.NEGATIVE_INFINITY;
  let warm = false;
  const loader = async () => {
    loads++;
    if (clock.now() < expiry) earlyLoads++;
    await sleep(DELTA, { clock });
    if (!warm) warm = true;
    expiry = clock.now() + TTL;
    return clock.now();
  };
  // the plain TTL cache without single-flight that the seed's users had before dyno
  const naive = new Map<string, { value: number; expiry: number }>();
  const naiveGet = async () => {
    const hit = naive.get('k');
    if (hit !== undefined && clock.now() < hit.expiry) return hit.value;
    const value = await loader();
    naive.set('k', { value, expiry: clock.now() + TTL });
    return value;
  };
  const cache =
    refresh === 'naive'
      ? undefined
      : new Cache<number>({ ttl: TTL, refresh, clock, random: seededRandom(seed + 1) });
  const get = cache ? () => cache.get('k', loader) : naiveGet;

  let waited = 0;
  let requests = 0;
  const end = CYCLES * TTL;
  let outstanding = 0;
  while (clock.now() < end) {
    const gap = -Math.log(1 - arrivals()) / RATE;
    await clock.advance(gap);
    const asked = clock.now();
    const counts = warm;
    requests++;
    outstanding++;
    void get().then(() => {
      outstanding--;
      if (counts && clock.now() > asked) waited++;
    });
  }
  await clock.advance(DELTA);
  expect(outstanding).toBe(0);
  const refreshes = loads - 1;
  return { perCycle: refreshes / (end / TTL), early: earlyLoads / refreshes, waited, requests };
}

const report = (label: string, o: Outcome) =>
  `${label.padEnd(28)} ${o.perCycle.toFixed(2).padStart(6)} ${(100 * o.early).toFixed(1).padStart(6)} % ${String(o.waited).padStart(6)} (${(o.waited / CYCLES).toFixed(1)}/cycle)`;

describe('a steady Poisson load on one key across 100 expiry cycles', () => {
  const results: string[] = [];
  afterAll(() => {
    if (process.env.DYNO_REPORT)
      console.log(`recomputes/cycle  early  waited\n${results.join('\n')}`);
  });

  it('with XFetch, refreshes start before expiry in >= 99 % of cycles and nobody waits', async () => {
    for (const seed of [11, 12, 13]) {
      const o = await simulate(xfetch(), seed);
      if (seed === 11) results.push(report('xfetch (beta 1)', o));
      expect(o.requests).toBeGreaterThan(20_000);
      expect(o.early).toBeGreaterThanOrEqual(0.99);
      expect(o.waited).toBe(0);
      // about one recompute per cycle: early, but not wastefully early
      expect(o.perCycle).toBeGreaterThanOrEqual(1);
      expect(o.perCycle).toBeLessThan(1.1);
    }
  });

  it('a plain TTL cache with single-flight also recomputes once a cycle, but ~10 callers wait each time', async () => {
    const o = await simulate(false, 11);
    results.push(report('plain TTL, single-flight', o));
    expect(o.early).toBe(0);
    // a cycle lasts ttl + delta here: the value is gone while it is recomputed
    expect(o.perCycle).toBeCloseTo(TTL / (TTL + DELTA), 1);
    expect(o.waited / CYCLES).toBeGreaterThan(5);
  });

  it('a plain TTL cache without single-flight recomputes once per caller arriving during a recompute', async () => {
    const o = await simulate('naive', 11);
    results.push(report('plain TTL, no single-flight', o));
    // every caller in the 200 ms recompute window (rate x delta = 10 expected) recomputes too
    expect(o.perCycle).toBeGreaterThan(6);
    expect(o.waited / CYCLES).toBeGreaterThan(5);
  });

  it('the seed static curve (p = 0.01) refreshes too often and still lets callers wait', async () => {
    const o = await simulate(staticRefresh({ probability: 0.01 }), 11);
    results.push(report('static (p = 0.01)', o));
    expect(o.early).toBeLessThan(0.99);
    expect(o.waited).toBeGreaterThan(0);
    expect(o.perCycle).toBeGreaterThan(1.2);
  });

  it.each([
    ['linear', linearRefresh()],
    ['exponential (2)', exponentialRefresh()],
  ] as const)(
    'the seed curve %s never makes callers wait, but refreshes far earlier than needed',
    async (label, policy) => {
      const o = await simulate(policy, 11);
      results.push(report(label, o));
      expect(o.waited).toBe(0);
      expect(o.perCycle).toBeGreaterThan(1.2);
    },
  );
});
