import { flushPromises, ManualClock, seededRandom } from '@dyno/core/testing';
import { Cache } from './cache.js';
import type { CacheEntry, CacheStore } from './entry.js';
import {
  exponentialRefresh,
  linearRefresh,
  type RefreshPolicy,
  staticRefresh,
  xfetch,
} from './refresh.js';

const entry = (delta: number): CacheEntry => ({ value: 1, delta, created: 0, expiry: 1000 });

/** The share of `n` decisions at `now` that refresh. */
function observed(policy: RefreshPolicy, e: CacheEntry, now: number, n: number, seed: number) {
  const random = seededRandom(seed);
  let yes = 0;
  for (let i = 0; i < n; i++) if (policy.shouldRefresh(e, now, random)) yes++;
  return yes / n;
}

/** Asserts `share` is within 4.5 standard errors of `p` (a false alarm about once in 150,000). */
function expectNear(share: number, p: number, n: number) {
  const bound = 4.5 * Math.sqrt((p * (1 - p)) / n) + 1 / n;
  expect(Math.abs(share - p)).toBeLessThanOrEqual(bound);
}

const N = 20_000;
const ages = [0, 100, 250, 500, 750, 900, 990];

describe('refresh policies', () => {
  it.each(ages)('linear refreshes with probability age / ttl (age %p of 1000)', (age) => {
    expectNear(observed(linearRefresh(), entry(10), age, N, age + 1), age / 1000, N);
  });

  it.each(ages)('exponential refreshes with probability (age / ttl)^2 (age %p of 1000)', (age) => {
    expectNear(observed(exponentialRefresh(), entry(10), age, N, age + 2), (age / 1000) ** 2, N);
  });

  it.each([0.5, 3])('exponential takes its exponent (%p)', (exponent) => {
    const p = exponentialRefresh({ exponent });
    expectNear(observed(p, entry(10), 600, N, 7), 0.6 ** exponent, N);
  });

  it.each([0, 0.05, 0.5])('static refreshes with its fixed probability (%p) at any age', (q) => {
    for (const age of [10, 500, 990]) {
      expectNear(observed(staticRefresh({ probability: q }), entry(10), age, N, age), q, N);
    }
  });

  it.each([
    [1, 50],
    [1, 100],
    [2, 100],
    [0.5, 20],
  ])(
    'xfetch (beta %p, delta %p) refreshes r ms before expiry with probability exp(-r / (delta * beta))',
    (beta, delta) => {
      for (const r of [0, 10, 50, 100, 200]) {
        const p = Math.exp(-r / (delta * beta));
        expectNear(observed(xfetch({ beta }), entry(delta), 1000 - r, N, r + delta), p, N);
      }
    },
  );

  it('xfetch never computes ln(0), even from a random that returns 1', () => {
    // U = 0 counts as the smallest positive double: ln gives -744.4, never -Infinity
    const one = () => 1;
    expect(xfetch().shouldRefresh(entry(10), 0, one)).toBe(true);
    expect(xfetch().shouldRefresh({ ...entry(10), expiry: 7445 }, 0, one)).toBe(false);
    expect(xfetch().shouldRefresh(entry(10), 999, () => 0)).toBe(false);
    expect(xfetch().shouldRefresh(entry(10), 1000, () => 0)).toBe(true);
  });

  it('xfetch never refreshes an entry whose recompute time is unknown or that lives for ever', () => {
    expect(xfetch().shouldRefresh(entry(0), 999.9, () => 0.999999)).toBe(false);
    const forever = { ...entry(10), expiry: Number.POSITIVE_INFINITY };
    expect(xfetch().shouldRefresh(forever, 1e15, () => 0.999999)).toBe(false);
    expect(linearRefresh().shouldRefresh(forever, 1e15, () => 0)).toBe(false);
  });

  it('rejects bad parameters with clear errors', () => {
    expect(() => xfetch({ beta: 0 })).toThrow(
      '@dyno/cache: option `beta` must be a finite number greater than 0 to 1000000; received 0',
    );
    expect(() => staticRefresh({ probability: 1.5 })).toThrow(RangeError);
    expect(() => exponentialRefresh({ exponent: Number.NaN })).toThrow(
      'option `exponent` must be a finite number greater than 0 to 1000; received NaN',
    );
    expect(() => xfetch({ bta: 1 } as never)).toThrow(TypeError);
  });
});

describe('refresh policies through a Cache', () => {
  // a store that always holds the same entry, so every read is an independent trial
  function trial(policy: RefreshPolicy, now: number, e: CacheEntry) {
    const store: CacheStore = { get: () => e, set: () => {}, delete: () => {}, clear: () => {} };
    const clock = new ManualClock(now);
    const cache = new Cache<number>({ store, clock, refresh: policy, random: seededRandom(3) });
    let loads = 0;
    return async (n: number) => {
      for (let i = 0; i < n; i++) {
        await cache.get('k', () => ++loads);
        await flushPromises();
      }
      return loads / n;
    };
  }

  it.each([
    ['linear', linearRefresh(), 0.3],
    ['exponential', exponentialRefresh(), 0.7 ** 2],
    ['static', staticRefresh({ probability: 0.2 }), 0.2],
    ['xfetch', xfetch(), Math.exp(-300 / 100)],
  ] as const)('%s starts refreshes as often as its formula says', async (_, policy, p) => {
    const n = 3000;
    const share = await trial(policy, policy.kind === 'linear' ? 300 : 700, entry(100))(n);
    expectNear(share, p, n);
  });
});
