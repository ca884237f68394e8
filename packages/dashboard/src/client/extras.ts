/**
 * Reading the Dyno extras of a `HystrixCommand` event: the fields `@dyno/metrics` adds for the
 * sources a `Metrics` observes (a fleet circuit, a fleet rate limiter, an HTTP origin, a hedge,
 * a cache, a load shedder). Hystrix's own stream and its readers have none of them.
 */
import { count, type Json, n } from './format.js';

export interface Extras {
  readonly fleet: {
    live: number;
    open: number;
    isolating: boolean;
    connected: boolean;
    /** Times the quorum isolated a local breaker over the window, summed over the hosts. */
    isolations: number;
    redisErrors: number;
  } | null;
  readonly rate: {
    admitted: number;
    refused: number;
    fallback: number;
    redisErrors: number;
    /** The limiter's Redis circuit, `null` when the stream does not say. */
    redisState: RedisState | null;
  } | null;
  /** Responses by status class: 1xx, 2xx, 3xx, 4xx, 5xx. */
  readonly http: readonly number[] | null;
  readonly hedge: { hedges: number; wins: number; refused: number } | null;
  readonly cache: CacheFacts | null;
  readonly shed: ShedFacts | null;
}

/** The state of a rate limiter's Redis circuit, on one host or counted per host of a cluster. */
export interface RedisState {
  /** `"open"`, or per state with the hosts in it: `"open 1, closed 2"`. */
  readonly label: string;
  /** Some host's circuit is not closed: it decides without Redis (or is probing it). */
  readonly trouble: boolean;
}

/** What an observed cache did over the window; `ratio` is hits per read, %. */
export interface CacheFacts {
  /** Reads served from the store, fresh or stale. */
  readonly hits: number;
  readonly misses: number;
  /** `null` with no read in the window. */
  readonly ratio: number | null;
  readonly stale: number;
  readonly refreshes: number;
  readonly loads: number;
  readonly loadFailures: number;
  readonly storeErrors: number;
  /** Times the cache stopped using its store after repeated failures. */
  readonly storeCircuitOpened: number;
  /** Times its store's invalidation bus went down (a two-tier store's): invalidations missed. */
  readonly busDrops: number;
  /** Invalidations not published, failed subscriptions, malformed bus messages. */
  readonly busErrors: number;
}

/** What an observed load shedder did over the window; `share` is the refused share, %. */
export interface ShedFacts {
  readonly admitted: number;
  /** Requests answered 503. */
  readonly refused: number;
  /** `null` with no request in the window. */
  readonly share: number | null;
}

/**
 * How many of the hosts say true: a boolean, a count, a count map (`{ "true": 2, "false": 1 }`)
 * or a string (`"true"`, `"2"`, `"true:2,false:1"`).
 */
export function trueCount(v: unknown, hosts: number): number {
  let total = 0;
  if (v === true) total = hosts;
  else if (typeof v === 'number') total = n(v);
  else if (v !== null && typeof v === 'object') total = n((v as Json).true);
  else if (typeof v === 'string') {
    const text = v.trim().toLowerCase();
    const tagged = /true\D{0,3}(\d+)/.exec(text);
    if (text === 'true') total = hosts;
    else if (/^\d+$/.test(text)) total = Number(text);
    else if (tagged) total = Number(tagged[1]);
  }
  return Math.max(0, Math.min(hosts, Math.round(total)));
}

const has = (d: Json, key: string): boolean => typeof d[key] === 'number';

/**
 * A state one host writes (`"open"`), or the hosts per state Turbine writes for a cluster: a
 * map (`{ "closed": 2, "open": 1 }`) or a string (`"closed:2,open:1"`). `null` for anything
 * else, such as a count of `true` (which says nothing of a state).
 */
export function readRedisState(v: unknown): RedisState | null {
  let hosts: [string, number][] = [];
  if (typeof v === 'string' && v.includes(':')) {
    hosts = v.split(',').map((entry): [string, number] => {
      const at = entry.lastIndexOf(':');
      return [entry.slice(0, at), Number(entry.slice(at + 1))];
    });
  } else if (typeof v === 'string') hosts = [[v, 1]];
  else if (v !== null && typeof v === 'object') {
    hosts = Object.entries(v as Json).map(([k, c]): [string, number] => [k, n(c)]);
  }
  hosts = hosts
    .map(([k, c]): [string, number] => [k.trim().toLowerCase().slice(0, 40), c])
    .filter(([k, c]) => k !== '' && c > 0);
  if (hosts.length === 0) return null;
  const trouble = hosts.some(([k]) => k !== 'closed');
  if (hosts.length === 1) return { label: (hosts[0] as [string, number])[0], trouble };
  hosts.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { label: hosts.map(([k, c]) => `${k} ${count(c)}`).join(', '), trouble };
}

/** A count: a finite number of 0 or more (a negative count is a broken writer's). */
const tally = (v: unknown): number => Math.max(0, n(v));

/**
 * `part` as a percentage of `part + rest` (both counts), or `null` when both are 0. Counts too
 * large to add (a broken stream's) are scaled down first, so 1e308 of 2e308 still reads 50 %.
 */
export function shareOf(part: number, rest: number): number | null {
  const scale = part > 1e300 || rest > 1e300 ? 1e-300 : 1;
  const a = part * scale;
  const total = a + rest * scale;
  return total > 0 ? Math.min(100, (100 * a) / total) : null;
}

/**
 * What an observed cache did. Its hits are Hystrix's responses from cache, a field every
 * command carries (0 without a cache), so the cache's own `dynoCacheMisses` says there is one.
 */
function readCache(d: Json): CacheFacts | null {
  if (!has(d, 'dynoCacheMisses')) return null;
  const hits = tally(d.rollingCountResponsesFromCache);
  const misses = tally(d.dynoCacheMisses);
  return {
    hits,
    misses,
    ratio: shareOf(hits, misses),
    stale: tally(d.dynoCacheStale),
    refreshes: tally(d.dynoCacheRefreshes),
    loads: tally(d.dynoCacheLoads),
    loadFailures: tally(d.dynoCacheLoadFailures),
    // the Redis reads its two-tier store failed (answered as misses) are its store's errors too
    storeErrors: tally(d.dynoCacheStoreErrors) + tally(d.dynoCacheTierReadErrors),
    storeCircuitOpened: tally(d.dynoCacheStoreCircuitOpened),
    // absent from streams of a `@dyno/metrics` before them, and for a store without a bus: 0
    busDrops: tally(d.dynoCacheBusDrops),
    busErrors: tally(d.dynoCacheBusErrors),
  };
}

function readShed(d: Json): ShedFacts | null {
  if (!has(d, 'dynoShedAdmitted')) return null;
  const admitted = tally(d.dynoShedAdmitted);
  const refused = tally(d.dynoShedRefused);
  return { admitted, refused, share: shareOf(refused, admitted) };
}

/**
 * The Dyno extras of a command (absent from Hystrix's own stream). Every host of a cluster sees
 * the same fleet: its summed view is divided back, and the fleet isolates or is out of reach
 * when any host says so. The other counts add up across hosts (each counts its own calls, reads
 * and requests, even through a shared cache store), so a cluster's hit ratio and refused share
 * are exact, as its error rate is.
 */
export function readExtras(d: Json, hosts: number): Extras {
  return {
    fleet: has(d, 'dynoFleetMembers')
      ? {
          live: Math.round(tally(d.dynoFleetMembers) / hosts),
          open: Math.round(tally(d.dynoFleetOpen) / hosts),
          isolating: trueCount(d.dynoFleetIsolating, hosts) > 0,
          connected:
            d.dynoFleetConnected === undefined || trueCount(d.dynoFleetConnected, hosts) === hosts,
          // each host counts its own isolations and Redis errors: summed, not divided back
          isolations: tally(d.dynoFleetIsolations),
          redisErrors: tally(d.dynoFleetRedisErrors),
        }
      : null,
    rate: has(d, 'dynoRateAdmitted')
      ? {
          admitted: tally(d.dynoRateAdmitted),
          refused: tally(d.dynoRateRefused),
          fallback: tally(d.dynoRateFallback),
          redisErrors: tally(d.dynoRateRedisErrors),
          redisState: readRedisState(d.dynoRateRedisState),
        }
      : null,
    http: has(d, 'dynoHttp2xx')
      ? ['1xx', '2xx', '3xx', '4xx', '5xx'].map((c) => tally(d[`dynoHttp${c}`]))
      : null,
    hedge: has(d, 'dynoHedges')
      ? {
          hedges: tally(d.dynoHedges),
          wins: tally(d.dynoHedgeWins),
          refused: tally(d.dynoHedgeRefused),
        }
      : null,
    cache: readCache(d),
    shed: readShed(d),
  };
}
