import type { ObservableFleetCircuit, ObservableRateLimiter } from '../observe-fleet.js';
import type {
  FleetSnapshot,
  HedgeCounts,
  HedgeSnapshot,
  HttpCounts,
  HttpSnapshot,
  RateLimitCounts,
  RateLimitSnapshot,
  ShedSnapshot,
} from '../snapshot.js';
import { shedSnapshot } from './shed-snapshot.js';
import * as F from './source-facts.js';

/** The parts of a snapshot from the sources `SourceFacts` holds, `null` for those not observed. */
export interface SourceSnapshots {
  readonly http: HttpSnapshot | null;
  readonly hedge: HedgeSnapshot | null;
  readonly rateLimit: RateLimitSnapshot | null;
  readonly fleet: FleetSnapshot | null;
  readonly shed: ShedSnapshot | null;
}

const NONE: SourceSnapshots = Object.freeze({
  http: null,
  hedge: null,
  rateLimit: null,
  fleet: null,
  shed: null,
});

/** Reads the observed sources' counters (and the gauges of the fleet parts) now. */
export function sourceSnapshots(facts: F.SourceFacts | undefined): SourceSnapshots {
  if (facts === undefined) return NONE;
  return {
    http: http(facts),
    hedge: hedge(facts),
    rateLimit: rateLimit(facts),
    fleet: fleet(facts),
    shed: shedSnapshot(facts),
  };
}

function http(facts: F.SourceFacts): HttpSnapshot | null {
  const read = facts.read<{ name: string }>('http');
  if (read === undefined) return null;
  const { window, total } = read.counts.sums();
  return { name: read.source.name, ...statuses(window), totals: statuses(total) };
}

const statuses = (v: Float64Array): HttpCounts => ({
  statuses: {
    '1xx': v[F.STATUS_1XX] as number,
    '2xx': v[F.STATUS_1XX + 1] as number,
    '3xx': v[F.STATUS_1XX + 2] as number,
    '4xx': v[F.STATUS_1XX + 3] as number,
    '5xx': v[F.STATUS_1XX + 4] as number,
  },
});

function hedge(facts: F.SourceFacts): HedgeSnapshot | null {
  const read = facts.read<{ name: string }>('hedge');
  if (read === undefined) return null;
  const { window, total } = read.counts.sums();
  return { name: read.source.name, ...hedges(window), totals: hedges(total) };
}

const hedges = (v: Float64Array): HedgeCounts => ({
  hedges: v[F.HEDGE_STARTED] as number,
  wins: v[F.HEDGE_WON] as number,
  refused: v[F.HEDGE_REFUSED] as number,
});

function rateLimit(facts: F.SourceFacts): RateLimitSnapshot | null {
  const read = facts.read<ObservableRateLimiter>('rateLimit');
  if (read === undefined) return null;
  const { window, total } = read.counts.sums();
  const state = read.source.redisState;
  return {
    name: read.source.name,
    redisState: typeof state === 'string' ? state : null,
    ...decisions(window),
    totals: decisions(total),
  };
}

const decisions = (v: Float64Array): RateLimitCounts => ({
  admitted: v[F.RATE_ADMITTED] as number,
  refused: v[F.RATE_REFUSED] as number,
  fallback: v[F.RATE_FALLBACK] as number,
  redisErrors: v[F.RATE_REDIS_ERROR] as number,
});

function fleet(facts: F.SourceFacts): FleetSnapshot | null {
  const read = facts.read<ObservableFleetCircuit>('fleet');
  if (read === undefined) return null;
  const { window, total } = read.counts.sums();
  const view = read.source.view;
  const count = (v: unknown): number => (typeof v === 'number' && v >= 0 ? v : 0);
  return {
    name: read.source.name,
    live: count(view?.live),
    open: count(view?.open),
    isolating: view?.isolating === true,
    connected: view?.connected === true,
    isolations: window[F.FLEET_ISOLATED] as number,
    redisErrors: window[F.FLEET_REDIS_ERROR] as number,
    totals: {
      isolations: total[F.FLEET_ISOLATED] as number,
      redisErrors: total[F.FLEET_REDIS_ERROR] as number,
    },
  };
}
