import type { MetricsSnapshot } from '../snapshot.js';

/**
 * Adds what an observed HTTP source, hedge, fleet rate limiter, load shedder and fleet circuit
 * did over the window (and the fleet's view now) to a `HystrixCommand`. None are Hystrix fields:
 * Hystrix readers ignore them, `@dyno/dashboard` shows them. Counts are integers, as Turbine
 * sums them.
 */
export function addSourceFields(command: Record<string, unknown>, s: MetricsSnapshot): void {
  if (s.http !== null) {
    const statuses = s.http.statuses;
    command.dynoHttp1xx = statuses['1xx'];
    command.dynoHttp2xx = statuses['2xx'];
    command.dynoHttp3xx = statuses['3xx'];
    command.dynoHttp4xx = statuses['4xx'];
    command.dynoHttp5xx = statuses['5xx'];
  }
  if (s.hedge !== null) {
    command.dynoHedges = s.hedge.hedges;
    command.dynoHedgeWins = s.hedge.wins;
    command.dynoHedgeRefused = s.hedge.refused;
  }
  if (s.rateLimit !== null) {
    const r = s.rateLimit;
    command.dynoRateAdmitted = r.admitted;
    command.dynoRateRefused = r.refused;
    command.dynoRateFallback = r.fallback;
    command.dynoRateRedisErrors = r.redisErrors;
    if (r.redisState !== null) command.dynoRateRedisState = r.redisState;
  }
  if (s.shed !== null) {
    command.dynoShedAdmitted = s.shed.admitted;
    command.dynoShedRefused = s.shed.refused;
  }
  if (s.fleet !== null) {
    const f = s.fleet;
    command.dynoFleetMembers = f.live;
    command.dynoFleetOpen = f.open;
    command.dynoFleetIsolating = f.isolating;
    command.dynoFleetConnected = f.connected;
    command.dynoFleetIsolations = f.isolations;
    command.dynoFleetRedisErrors = f.redisErrors;
  }
}
