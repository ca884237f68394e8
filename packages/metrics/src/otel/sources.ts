import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { Metrics } from '../metrics.js';
import type { MetricsSnapshot, StatusClass } from '../snapshot.js';
import { Carry } from './carry.js';
import { shedInstruments } from './shed.js';

/**
 * The instruments of the observed HTTP source, hedge, fleet rate limiter, fleet circuit and
 * load shedder (`shed.ts`).
 */
export interface SourceInstruments {
  readonly instruments: Observable[];
  /** Reports the sources of snapshot `s` (of `metrics`), each only when it is observed. */
  observe(result: BatchObservableResult, metrics: Metrics, s: MetricsSnapshot): void;
  /** Ends a collection (see `Carry.sweep`). */
  sweep(): void;
}

const CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];
const REDIS_STATES: readonly string[] = ['closed', 'open', 'half-open'];

/**
 * Makes the instruments: `http.responses` (`dyno.http.status_class`), `hedges`, `hedge.wins`,
 * `hedge.refused`, `rate_limit.decisions` (`dyno.rate_limit.result`),
 * `rate_limit.fallback_decisions`, `rate_limit.redis.errors`, `fleet.isolations`,
 * `fleet.redis.errors` (observable counters, continued across a re-created name);
 * `fleet.members`, `fleet.open_members` (observable up-down counters); `fleet.isolating`,
 * `fleet.connected` (gauges, 1 or 0) and `rate_limit.redis.state` (gauge, 1 for the current
 * state, 0 for the others).
 */
export function sourceInstruments(meter: Meter, prefix: string): SourceInstruments {
  const counter = (name: string, description: string, unit: string) =>
    meter.createObservableCounter(`${prefix}${name}`, { description, unit });
  const upDown = (name: string, description: string, unit: string) =>
    meter.createObservableUpDownCounter(`${prefix}${name}`, { description, unit });
  const gauge = (name: string, description: string) =>
    meter.createObservableGauge(`${prefix}${name}`, { description });
  const responses = counter('http.responses', 'HTTP responses by status class.', '{response}');
  const hedges = counter('hedges', 'Hedged (extra) attempts started.', '{attempt}');
  const wins = counter('hedge.wins', 'Calls a hedged attempt won.', '{call}');
  const refused = counter('hedge.refused', 'Hedged attempts the budget refused.', '{attempt}');
  const decisions = counter(
    'rate_limit.decisions',
    'Fleet rate limit decisions by result.',
    '{decision}',
  );
  const fallback = counter(
    'rate_limit.fallback_decisions',
    'Fleet rate limit decisions made without Redis.',
    '{decision}',
  );
  const rateErrors = counter(
    'rate_limit.redis.errors',
    'Redis failures or timeouts of the fleet rate limiter.',
    '{error}',
  );
  const redisState = gauge(
    'rate_limit.redis.state',
    "The fleet rate limiter's Redis circuit: 1 for the current state, 0 for the others.",
  );
  const members = upDown('fleet.members', 'Live members of the fleet circuit.', '{member}');
  const openMembers = upDown(
    'fleet.open_members',
    'Live members reporting the fleet circuit open or half-open.',
    '{member}',
  );
  const isolating = gauge(
    'fleet.isolating',
    "Whether the fleet's quorum holds the local breaker isolated (1) or not (0).",
  );
  const connected = gauge(
    'fleet.connected',
    "Whether the fleet's view is fresh from Redis (1) or not (0).",
  );
  const isolations = counter(
    'fleet.isolations',
    "Times the fleet's quorum isolated the local breaker.",
    '{isolation}',
  );
  const fleetErrors = counter(
    'fleet.redis.errors',
    'Redis commands of the fleet circuit that failed or were late.',
    '{error}',
  );
  const shed = shedInstruments(meter, prefix);
  const carry = new Carry();
  const observe = (result: BatchObservableResult, metrics: Metrics, s: MetricsSnapshot): void => {
    shed.observe(result, metrics, s);
    const { http, hedge, rateLimit: rate, fleet } = s;
    const now = [
      ...CLASSES.map((c) => http?.totals.statuses[c] ?? 0),
      hedge?.totals.hedges ?? 0,
      hedge?.totals.wins ?? 0,
      hedge?.totals.refused ?? 0,
      rate?.totals.admitted ?? 0,
      rate?.totals.refused ?? 0,
      rate?.totals.fallback ?? 0,
      rate?.totals.redisErrors ?? 0,
      fleet?.totals.isolations ?? 0,
      fleet?.totals.redisErrors ?? 0,
    ];
    const t = carry.continued(metrics, s.name, now) as number[];
    const name: Attributes = { 'dyno.name': s.name };
    if (http !== null) {
      CLASSES.forEach((c, i) => {
        result.observe(responses, t[i] as number, { ...name, 'dyno.http.status_class': c });
      });
    }
    if (hedge !== null) {
      const a = { ...name, 'dyno.hedge.name': hedge.name };
      result.observe(hedges, t[5] as number, a);
      result.observe(wins, t[6] as number, a);
      result.observe(refused, t[7] as number, a);
    }
    if (rate !== null) {
      const a = { ...name, 'dyno.rate_limit.name': rate.name };
      result.observe(decisions, t[8] as number, { ...a, 'dyno.rate_limit.result': 'admitted' });
      result.observe(decisions, t[9] as number, { ...a, 'dyno.rate_limit.result': 'refused' });
      result.observe(fallback, t[10] as number, a);
      result.observe(rateErrors, t[11] as number, a);
      const state = rate.redisState;
      if (state !== null) {
        const states = REDIS_STATES.includes(state) ? REDIS_STATES : [...REDIS_STATES, state];
        for (const each of states) {
          result.observe(redisState, each === state ? 1 : 0, { ...a, 'dyno.redis.state': each });
        }
      }
    }
    if (fleet !== null) {
      const a = { ...name, 'dyno.fleet.name': fleet.name };
      result.observe(members, fleet.live, a);
      result.observe(openMembers, fleet.open, a);
      result.observe(isolating, fleet.isolating ? 1 : 0, a);
      result.observe(connected, fleet.connected ? 1 : 0, a);
      result.observe(isolations, t[12] as number, a);
      result.observe(fleetErrors, t[13] as number, a);
    }
  };
  return {
    instruments: [
      responses,
      hedges,
      wins,
      refused,
      decisions,
      fallback,
      rateErrors,
      redisState,
      members,
      openMembers,
      isolating,
      connected,
      isolations,
      fleetErrors,
      ...shed.instruments,
    ],
    observe,
    sweep: () => {
      carry.sweep();
      shed.sweep();
    },
  };
}
