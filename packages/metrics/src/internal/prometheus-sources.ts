import type { MetricsSnapshot } from '../snapshot.js';
import { escapeLabelValue } from './exposition.js';
import type { Family } from './family-writer.js';
import { addShedFamilies } from './prometheus-shed.js';

/** The states of a fleet rate limiter's Redis circuit (1 for the current one, 0 for the others). */
const REDIS_STATES: readonly string[] = ['closed', 'open', 'half-open'];

/**
 * Adds the families of an observed HTTP source, hedge, fleet rate limiter, load shedder and
 * fleet circuit:
 * counters since creation, and the fleet's gauges of now. Each is written only when its source
 * is observed.
 */
export function addSourceFamilies(counter: Family, gauge: Family, s: MetricsSnapshot): void {
  if (s.http !== null) {
    for (const [status, value] of Object.entries(s.http.totals.statuses)) {
      counter(
        'http_responses_total',
        'HTTP responses by status class since start.',
        value,
        `,status_class="${status}"`,
      );
    }
  }
  if (s.hedge !== null) {
    const h = `,hedge="${escapeLabelValue(s.hedge.name)}"`;
    const t = s.hedge.totals;
    counter('hedges_total', 'Hedged (extra) attempts started since start.', t.hedges, h);
    counter('hedge_wins_total', 'Calls a hedged attempt won since start.', t.wins, h);
    counter(
      'hedge_refused_total',
      'Hedged attempts the hedging budget refused since start.',
      t.refused,
      h,
    );
  }
  if (s.rateLimit !== null) addRateLimit(counter, gauge, s.rateLimit);
  if (s.shed !== null) addShedFamilies(counter, s.shed);
  if (s.fleet !== null) {
    const f = s.fleet;
    const l = `,fleet="${escapeLabelValue(f.name)}"`;
    gauge('fleet_members', 'Live members of the fleet circuit, this process included.', f.live, l);
    gauge(
      'fleet_open_members',
      'Live members of the fleet circuit reporting it open or half-open.',
      f.open,
      l,
    );
    gauge(
      'fleet_isolating',
      "Whether the fleet's quorum holds the local breaker isolated (1) or not (0).",
      f.isolating ? 1 : 0,
      l,
    );
    gauge(
      'fleet_connected',
      "Whether the fleet's view is fresh from Redis (1) or not (0: the breaker works alone).",
      f.connected ? 1 : 0,
      l,
    );
    counter(
      'fleet_isolations_total',
      "Times the fleet's quorum isolated the local breaker since start.",
      f.totals.isolations,
      l,
    );
    counter(
      'fleet_redis_errors_total',
      'Redis commands of the fleet circuit that failed or were late since start.',
      f.totals.redisErrors,
      l,
    );
  }
}

function addRateLimit(
  counter: Family,
  gauge: Family,
  r: NonNullable<MetricsSnapshot['rateLimit']>,
): void {
  const l = `,limiter="${escapeLabelValue(r.name)}"`;
  const t = r.totals;
  const decisions = 'Fleet rate limit decisions by result since start.';
  counter('rate_limit_decisions_total', decisions, t.admitted, `${l},result="admitted"`);
  counter('rate_limit_decisions_total', decisions, t.refused, `${l},result="refused"`);
  counter(
    'rate_limit_fallback_decisions_total',
    'Fleet rate limit decisions made without Redis (whenUnavailable) since start.',
    t.fallback,
    l,
  );
  counter(
    'rate_limit_redis_errors_total',
    'Redis failures or timeouts of the fleet rate limiter since start.',
    t.redisErrors,
    l,
  );
  const state = r.redisState;
  if (state === null) return;
  const states = REDIS_STATES.includes(state) ? REDIS_STATES : [...REDIS_STATES, state];
  for (const each of states) {
    gauge(
      'rate_limit_redis_state',
      "The fleet rate limiter's Redis circuit: 1 for the current state, 0 for the others.",
      each === state ? 1 : 0,
      `${l},state="${escapeLabelValue(each)}"`,
    );
  }
}
