import { turbine } from '../test-support/turbine.js';
import { readRedisState, shareOf } from './extras.js';
import { readCommand } from './read.js';

// Reading a cache's and a load shedder's fields, as @dyno/metrics writes them on a command, for
// one host and for a Turbine cluster, and from a stream that writes them wrong.

const command = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'HystrixCommand',
  name: 'catalog',
  requestCount: 10,
  rollingCountResponsesFromCache: 0,
  reportingHosts: 1,
  ...extra,
});

const cached = (hits: number, misses: number, extra: Record<string, unknown> = {}) =>
  command({
    rollingCountResponsesFromCache: hits,
    dynoCacheMisses: misses,
    dynoCacheStale: 2,
    dynoCacheRefreshes: 3,
    dynoCacheLoads: misses + 1,
    dynoCacheLoadFailures: 1,
    dynoCacheStoreErrors: 0,
    ...extra,
  });

const shedding = (admitted: number, refused: number) =>
  command({ dynoShedAdmitted: admitted, dynoShedRefused: refused });

describe('reading a cache', () => {
  it('takes hits from Hystrix’s responses from cache and the rest from the dynoCache fields', () => {
    expect(readCommand(cached(30, 10)).extras.cache).toEqual({
      hits: 30,
      misses: 10,
      ratio: 75,
      stale: 2,
      refreshes: 3,
      loads: 11,
      loadFailures: 1,
      storeErrors: 0,
      storeCircuitOpened: 0,
      busDrops: 0,
      busErrors: 0,
    });
  });

  it('regression: reads the store circuit openings, bus drops and bus errors of a cache', () => {
    const extras = readCommand(
      cached(1, 1, {
        dynoCacheStoreErrors: 1,
        dynoCacheTierReadErrors: 3,
        dynoCacheBusDrops: 2,
        dynoCacheBusErrors: 5,
        dynoCacheStoreCircuitOpened: 1,
      }),
    );
    expect(extras.extras.cache).toMatchObject({
      storeErrors: 4,
      busDrops: 2,
      busErrors: 5,
      storeCircuitOpened: 1,
    });
  });

  it('finds no cache on a command without dynoCacheMisses, even with responses from cache', () => {
    // a Hystrix request cache counts responses from cache too, and every command has the field
    expect(readCommand(command({ rollingCountResponsesFromCache: 7 })).extras.cache).toBeNull();
    expect(readCommand(command({ dynoCacheMisses: '3' })).extras.cache).toBeNull();
  });

  it('has no hit ratio without a read, and reads 0 and 100 % at the ends', () => {
    expect(readCommand(cached(0, 0)).extras.cache?.ratio).toBeNull();
    expect(readCommand(cached(0, 4)).extras.cache?.ratio).toBe(0);
    expect(readCommand(cached(4, 0)).extras.cache?.ratio).toBe(100);
    expect(readCommand(cached(3, 7)).extras.cache?.ratio).toBe(30);
  });

  it('reads missing, wrong-kind, negative and non-finite counts as 0, never as a ratio out of range', () => {
    const cache = readCommand(
      command({
        rollingCountResponsesFromCache: -5,
        dynoCacheMisses: -1,
        dynoCacheStale: 'x',
        dynoCacheRefreshes: null,
        dynoCacheLoads: Number.POSITIVE_INFINITY,
        dynoCacheLoadFailures: Number.NaN,
        dynoCacheStoreErrors: { n: 1 },
        dynoCacheStoreCircuitOpened: Number.NaN,
        dynoCacheBusDrops: -2,
        dynoCacheBusErrors: 'x',
      }),
    ).extras.cache;
    expect(cache).toEqual({
      hits: 0,
      misses: 0,
      ratio: null,
      stale: 0,
      refreshes: 0,
      loads: 0,
      loadFailures: 0,
      storeErrors: 0,
      storeCircuitOpened: 0,
      busDrops: 0,
      busErrors: 0,
    });
    // a negative miss count cannot push the ratio past 100 %
    expect(readCommand(cached(8, -4)).extras.cache?.ratio).toBe(100);
    expect(readCommand(command({ dynoCacheMisses: 3 })).extras.cache?.ratio).toBe(0);
  });

  it('reads counts too large to add as their proportion, not as 0 % or NaN', () => {
    expect(readCommand(cached(1e308, 1e308)).extras.cache?.ratio).toBe(50);
    expect(readCommand(cached(Number.MAX_VALUE, 0)).extras.cache?.ratio).toBe(100);
    // one hit among them is still some: it reads "<0.1 %", not 0
    const few = readCommand(cached(1, Number.MAX_VALUE)).extras.cache?.ratio ?? 0;
    expect(few > 0 && few < 0.1).toBe(true);
  });

  it('adds up the hosts of a cluster: its counts and ratio are the cluster’s, not divided back', () => {
    // 0 of 4, 4 of 8 and 8 of 12 reads hit: 12 of 24 (50 %), where the hosts' mean is 39 %
    const cluster = readCommand(turbine([cached(0, 4), cached(4, 4), cached(8, 4)]));
    expect(cluster.hosts).toBe(3);
    expect(cluster.extras.cache).toEqual({
      hits: 12,
      misses: 12,
      ratio: 50,
      stale: 6,
      refreshes: 9,
      loads: 15,
      loadFailures: 3,
      storeErrors: 0,
      storeCircuitOpened: 0,
      busDrops: 0,
      busErrors: 0,
    });
  });
});

describe('reading a load shedder', () => {
  it('takes admitted and refused requests, and the refused share', () => {
    expect(readCommand(shedding(45, 5)).extras.shed).toEqual({
      admitted: 45,
      refused: 5,
      share: 10,
    });
    expect(readCommand(shedding(0, 0)).extras.shed).toEqual({
      admitted: 0,
      refused: 0,
      share: null,
    });
  });

  it('finds no shedder on a command without dynoShedAdmitted', () => {
    expect(readCommand(command()).extras.shed).toBeNull();
    expect(readCommand(command({ dynoShedRefused: 4 })).extras.shed).toBeNull();
  });

  it('reads a missing, wrong-kind or negative refused count as 0', () => {
    for (const refused of [undefined, 'many', -3, Number.NEGATIVE_INFINITY]) {
      expect(readCommand(shedding(9, refused as number)).extras.shed).toEqual({
        admitted: 9,
        refused: 0,
        share: 0,
      });
    }
    expect(readCommand(shedding(-9, 3)).extras.shed?.share).toBe(100);
  });

  it('adds up the hosts of a cluster, so the refused share is the cluster’s', () => {
    // 0, 5 and 10 refused of 10, 15 and 20 requests: 15 of 45 (33 %), where the hosts' mean is 28 %
    const cluster = readCommand(turbine([shedding(10, 0), shedding(10, 5), shedding(10, 10)]));
    expect(cluster.extras.shed?.admitted).toBe(30);
    expect(cluster.extras.shed?.refused).toBe(15);
    expect(cluster.extras.shed?.share).toBeCloseTo(100 / 3, 10);
  });
});

describe('reading the other extras', () => {
  it('reads a negative count of the fleet, rate limit, HTTP and hedge fields as 0 (regression)', () => {
    // a broken writer's -3 was shown as "-3" requests
    const { extras } = readCommand(
      command({
        dynoFleetMembers: -3,
        dynoFleetOpen: -1,
        dynoFleetIsolations: -1,
        dynoFleetRedisErrors: -7,
        dynoRateAdmitted: -3,
        dynoRateRefused: 4,
        dynoRateFallback: -1,
        dynoRateRedisErrors: -2,
        dynoHttp1xx: -2,
        dynoHttp2xx: -5,
        dynoHttp3xx: 1,
        dynoHttp4xx: -1,
        dynoHttp5xx: 2,
        dynoHedges: -4,
        dynoHedgeWins: -1,
        dynoHedgeRefused: 3,
      }),
    );
    expect(extras.fleet).toMatchObject({ live: 0, open: 0, isolations: 0, redisErrors: 0 });
    expect(extras.rate).toEqual({
      admitted: 0,
      refused: 4,
      fallback: 0,
      redisErrors: 0,
      redisState: null,
    });
    expect(extras.http).toEqual([0, 0, 1, 0, 2]);
    expect(extras.hedge).toEqual({ hedges: 0, wins: 0, refused: 3 });
  });
});

describe('reading the fields the page used to ignore', () => {
  const fleet = (isolations: number, redisErrors: number) =>
    command({
      dynoFleetMembers: 5,
      dynoFleetOpen: 3,
      dynoFleetIsolating: false,
      dynoFleetConnected: true,
      dynoFleetIsolations: isolations,
      dynoFleetRedisErrors: redisErrors,
    });
  const limiter = (redisState?: string) =>
    command({
      dynoRateAdmitted: 4,
      dynoRateRefused: 1,
      dynoRateFallback: 0,
      dynoRateRedisErrors: 0,
      ...(redisState !== undefined && { dynoRateRedisState: redisState }),
    });
  const origin = (s1xx: number) =>
    command({ dynoHttp1xx: s1xx, dynoHttp2xx: 5, dynoHttp3xx: 0, dynoHttp4xx: 1, dynoHttp5xx: 0 });

  it("reads a fleet circuit's isolations and Redis errors, summed over a cluster's hosts", () => {
    expect(readCommand(fleet(1, 2)).extras.fleet).toEqual({
      live: 5,
      open: 3,
      isolating: false,
      connected: true,
      isolations: 1,
      redisErrors: 2,
    });
    // every host sees the same fleet (divided back) but counts its own isolations and errors
    const cluster = readCommand(turbine([fleet(1, 0), fleet(0, 3), fleet(1, 4)])).extras.fleet;
    expect(cluster).toMatchObject({ live: 5, open: 3, isolations: 2, redisErrors: 7 });
    // a stream from before these fields: 0, not NaN
    expect(readCommand(command({ dynoFleetMembers: 2 })).extras.fleet).toMatchObject({
      isolations: 0,
      redisErrors: 0,
    });
  });

  it("reads 1xx responses first among the status classes, summed over a cluster's hosts", () => {
    expect(readCommand(origin(2)).extras.http).toEqual([2, 5, 0, 1, 0]);
    expect(readCommand(turbine([origin(2), origin(0), origin(3)])).extras.http).toEqual([
      5, 15, 0, 3, 0,
    ]);
    expect(readCommand(command({ dynoHttp2xx: 1 })).extras.http).toEqual([0, 1, 0, 0, 0]);
  });

  it("reads a rate limiter's Redis circuit, one host's or a cluster's in each Turbine form", () => {
    expect(readCommand(limiter('closed')).extras.rate?.redisState).toEqual({
      label: 'closed',
      trouble: false,
    });
    expect(readCommand(limiter('open')).extras.rate?.redisState).toEqual({
      label: 'open',
      trouble: true,
    });
    expect(readCommand(limiter()).extras.rate?.redisState).toBeNull();
    const hosts = [limiter('closed'), limiter('open'), limiter('closed')];
    const mixed = { label: 'closed 2, open 1', trouble: true };
    expect(readCommand(turbine(hosts, 'map')).extras.rate?.redisState).toEqual(mixed);
    expect(readCommand(turbine(hosts, 'string')).extras.rate?.redisState).toEqual(mixed);
    // a count of `true` says nothing of a state
    expect(readCommand(turbine(hosts, 'count')).extras.rate?.redisState).toBeNull();
    const closed = [limiter('closed'), limiter('closed')];
    expect(readCommand(turbine(closed)).extras.rate?.redisState).toEqual({
      label: 'closed',
      trouble: false,
    });
  });

  it('reads a broken Redis state as no state, or as the text it has, cut to 40 characters', () => {
    for (const odd of [42, null, '', {}, { open: -1 }, 'open:x', ':']) {
      expect(readRedisState(odd)).toBeNull();
    }
    expect(readRedisState(` ${'x'.repeat(60)} `)?.label).toBe('x'.repeat(40));
    expect(readRedisState({ 'Half-Open': 1 })).toEqual({ label: 'half-open', trouble: true });
  });
});

describe('shareOf', () => {
  it.each([
    [0, 0, null],
    [0, 5, 0],
    [5, 0, 100],
    [1, 3, 25],
    [29, 71, 29],
    [1e308, 1.5e308, 40],
    [1e-320, 0, 100],
  ])('reads %p of %p more as %p %', (part, rest, share) => {
    expect(shareOf(part, rest)).toBe(share);
  });
});
