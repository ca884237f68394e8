/** Drawing one circuit or pool card from its record: only what changed is written. */
import type { CacheFacts, Extras, ShedFacts } from './extras.js';
import { count, ms, percent, rate, setText, small, span } from './format.js';
import type { Command, PoolData } from './read.js';

const HTTP = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const COUNTS = ['success', 'short', 'rejected', 'timeout', 'failure', 'fallback'] as const;

/** Every `data-part` of a circuit card's markup that the script writes. */
export const CIRCUIT_PARTS = [
  ...['name', 'badge', 'icon', 'state', 'meta', 'circle', 'error', 'rate', 'rateLabel'],
  ...['spark', 'area', 'line', 'peak', 'countWindow', 'latencyWindow'],
  ...COUNTS,
  ...(['mean', 'p50', 'p90', 'p99', 'p99.5'] as const),
  ...['fleetFacts', 'fleetOpen', 'fleetLive', 'fleetIsolating', 'fleetAlone'],
  ...['fleetIsolationsFact', 'fleetIsolations', 'fleetRedisFact', 'fleetRedisErrors'],
  ...['rateFacts', 'rateAdmitted', 'rateRefused', 'rateRedisFact', 'rateRedisErrors'],
  ...['rateFallback', 'rateRedisStateFact', 'rateRedisState'],
  ...['httpFacts', 'http5xxFact', 'http1xx', 'http2xx', 'http3xx', 'http4xx', 'http5xx'],
  ...['hedgeFacts', 'hedges', 'hedgeWins', 'hedgeRefusedFact', 'hedgeRefused'],
  ...['cacheFacts', 'cacheRatio', 'cacheHits', 'cacheMisses', 'cacheStale', 'cacheRefreshes'],
  ...['cacheLoads', 'cacheLoadFailedFact', 'cacheLoadFailures', 'cacheStoreFact'],
  ...[
    'cacheStoreErrors',
    'cacheStoreCircuitFact',
    'cacheStoreCircuitOpened',
    'cacheBusFact',
    'cacheBusDrops',
    'cacheBusErrors',
    'shedFacts',
    'shedAdmitted',
    'shedRefusedFact',
    'shedRefused',
  ],
  ...['shedShare'],
] as const;

/** Every `data-part` of a pool card's markup that the script writes. */
export const POOL_PARTS = [
  ...['name', 'size', 'track', 'bar', 'active', 'queued', 'rejected', 'max', 'executed'],
  ...['limit', 'abandonedFact', 'abandoned', 'adaptiveFact', 'adaptiveLimit', 'adaptiveRange'],
] as const;

/**
 * The elements of a card by their `data-part`. Some are SVG elements, used only through the
 * `Element` methods they share with HTML elements.
 */
export type Parts<K extends string> = Readonly<Record<K, HTMLElement>>;
export type CircuitParts = Parts<string & (typeof CIRCUIT_PARTS)[number]>;
export type PoolParts = Parts<string & (typeof POOL_PARTS)[number]>;

/** One point of a sparkline: a time (ms, `performance.now()`) and a rate. */
export interface Point {
  readonly t: number;
  readonly v: number;
}

/** The longest a sparkline looks back, in ms. */
export const HISTORY_MS = 120000;

/** The parts `names` of a card; a part missing from the markup fails at once, not later. */
export function parts<K extends string>(root: Element, names: readonly K[]): Parts<K> {
  const map: Partial<Record<string, HTMLElement>> = {};
  for (const el of root.querySelectorAll<HTMLElement>('[data-part]')) {
    map[el.getAttribute('data-part') ?? ''] = el;
  }
  for (const name of names) if (map[name] === undefined) throw new Error(`no part ${name}`);
  return map as Parts<K>;
}

// Hystrix's thresholds (green to 10 %, then yellow, orange, red from 50 %), as steps rather
// than a blend, whose in-between shades read as muddy.
const HEALTH = [
  [10, '#2da44e'],
  [25, '#d4a72c'],
  [40, '#e8831f'],
  [50, '#e0582b'],
] as const;
function healthColour(error: number, requests: number): string {
  if (requests === 0) return 'var(--idle)';
  for (const [below, colour] of HEALTH) if (error < below) return colour;
  return '#cf222e';
}

// Gaps longer than this (a lost stream) break the sparkline rather than bridge it.
const GAP_MS = 5000;
function sparkPaths(
  history: readonly Point[],
  now: number,
): { line: string; area: string; peak: number } {
  let line = '';
  let area = '';
  let peak = 0;
  for (const p of history) peak = Math.max(peak, p.v);
  const top = peak > 0 ? peak : 1;
  let start = '';
  let last: Point | null = null;
  const x = (p: Point): string => Math.max(0, 120 - (now - p.t) / 1000).toFixed(2);
  const y = (p: Point): string => (38 - (p.v / top) * 34).toFixed(2);
  const close = (): void => {
    if (last !== null) area += `L${x(last)} 40L${start} 40Z`;
  };
  for (const p of history) {
    if (last === null || p.t - last.t > GAP_MS) {
      close();
      start = x(p);
      line += `M${start} ${y(p)}`;
      area += `M${start} 40L${start} ${y(p)}`;
    } else {
      line += `L${x(p)} ${y(p)}`;
      area += `L${x(p)} ${y(p)}`;
    }
    last = p;
  }
  close();
  return { line, area, peak };
}

/** A percentage of a share, or a dash when there is nothing to share (no read, no request). */
const shareText = (v: number | null): string => (v === null ? '–' : `${percent(v)} %`);

function drawCache(p: CircuitParts, c: CacheFacts | null): void {
  p.cacheFacts.hidden = c === null;
  if (c === null) return;
  setText(p.cacheRatio, shareText(c.ratio));
  setText(p.cacheHits, count(c.hits));
  setText(p.cacheMisses, count(c.misses));
  setText(p.cacheStale, count(c.stale));
  setText(p.cacheRefreshes, count(c.refreshes));
  setText(p.cacheLoads, count(c.loads));
  // trouble only when there is some, in red, as the rate limiter's Redis errors
  p.cacheLoadFailedFact.hidden = c.loadFailures === 0;
  setText(p.cacheLoadFailures, count(c.loadFailures));
  p.cacheStoreFact.hidden = c.storeErrors === 0;
  setText(p.cacheStoreErrors, count(c.storeErrors));
  // while the store is skipped no store error comes: the openings say it was
  p.cacheStoreCircuitFact.hidden = c.storeCircuitOpened === 0;
  setText(p.cacheStoreCircuitOpened, count(c.storeCircuitOpened));
  // a bus that dropped means this host may have served values other hosts had invalidated
  p.cacheBusFact.hidden = c.busDrops === 0 && c.busErrors === 0;
  setText(p.cacheBusDrops, count(c.busDrops));
  setText(p.cacheBusErrors, count(c.busErrors));
}

function drawShed(p: CircuitParts, s: ShedFacts | null): void {
  p.shedFacts.hidden = s === null;
  if (s === null) return;
  setText(p.shedAdmitted, count(s.admitted));
  setText(p.shedRefused, count(s.refused));
  setText(p.shedShare, s.share === null ? '' : ` (${shareText(s.share)})`);
  // a refused request is a 503 someone received: red, as 5xx responses are
  p.shedRefusedFact.classList.toggle('warn', s.refused > 0);
}

/** The lines of the Dyno extras on a circuit card, each hidden unless the stream has it. */
export function drawExtras(p: CircuitParts, x: Extras): void {
  p.fleetFacts.hidden = x.fleet === null;
  if (x.fleet !== null) {
    setText(p.fleetOpen, count(x.fleet.open));
    setText(p.fleetLive, count(x.fleet.live));
    p.fleetIsolating.hidden = !x.fleet.isolating;
    p.fleetAlone.hidden = x.fleet.connected;
    p.fleetIsolationsFact.hidden = x.fleet.isolations === 0;
    setText(p.fleetIsolations, count(x.fleet.isolations));
    p.fleetRedisFact.hidden = x.fleet.redisErrors === 0;
    setText(p.fleetRedisErrors, count(x.fleet.redisErrors));
  }
  p.rateFacts.hidden = x.rate === null;
  if (x.rate !== null) {
    setText(p.rateAdmitted, count(x.rate.admitted));
    setText(p.rateRefused, count(x.rate.refused));
    p.rateRedisFact.hidden = x.rate.redisErrors === 0 && x.rate.fallback === 0;
    setText(p.rateRedisErrors, count(x.rate.redisErrors));
    setText(p.rateFallback, count(x.rate.fallback));
    // shown while some host's Redis circuit is not closed: it decides without Redis
    const state = x.rate.redisState;
    p.rateRedisStateFact.hidden = state === null || !state.trouble;
    setText(p.rateRedisState, state === null ? '' : state.label);
  }
  p.httpFacts.hidden = x.http === null;
  if (x.http !== null) {
    for (const [i, status] of HTTP.entries()) setText(p[`http${status}`], count(x.http[i]));
    p.http5xxFact.classList.toggle('warn', (x.http[4] ?? 0) > 0);
  }
  p.hedgeFacts.hidden = x.hedge === null;
  if (x.hedge !== null) {
    setText(p.hedges, count(x.hedge.hedges));
    setText(p.hedgeWins, count(x.hedge.wins));
    p.hedgeRefusedFact.hidden = x.hedge.refused === 0;
    setText(p.hedgeRefused, count(x.hedge.refused));
  }
  drawCache(p, x.cache);
  drawShed(p, x.shed);
}

/** Draws a circuit card; `maxRate` is the highest rate per host on the page. */
export function drawCircuit(
  el: HTMLElement,
  p: CircuitParts,
  d: Command,
  history: readonly Point[],
  maxRate: number,
  now: number,
): void {
  el.setAttribute('data-state', d.state.key);
  p.badge.setAttribute('data-state', d.state.key);
  p.icon.setAttribute('href', `#i-${d.state.key}`);
  setText(p.state, d.state.label);
  setText(p.name, d.name);
  const meta = [d.group, d.inFlight > 0 ? `${count(d.inFlight)} in flight` : ''];
  if (d.hosts > 1) meta.push(`${count(d.hosts)} hosts`, `${rate(d.hostRate)} per host`);
  setText(p.meta, meta.filter(Boolean).join(' · '));
  const error = percent(d.error);
  if (p.error.getAttribute('data-value') !== error) {
    p.error.setAttribute('data-value', error);
    p.error.textContent = error;
    p.error.append(small(' %'));
  }
  p.error.classList.toggle('bad', d.requests > 0 && d.error >= 50);
  setText(p.rate, rate(d.rate));
  setText(p.rateLabel, d.hosts > 1 ? 'cluster' : 'requests');
  // sized by the rate per host, as Hystrix's dashboard does: a big cluster is not a busy one
  const scale = Math.max(maxRate, 1);
  p.circle.setAttribute('r', (7 + 24 * Math.sqrt(Math.min(d.hostRate / scale, 1))).toFixed(1));
  p.circle.setAttribute('fill', healthColour(d.error, d.requests));
  for (const key of COUNTS) {
    const v = d.counts[key];
    setText(p[key], count(v));
    p[key].classList.toggle('zero', v === 0);
  }
  if (d.counts.fallbackFailed > 0) {
    setText(p.fallback, `${count(d.counts.fallback)} (${count(d.counts.fallbackFailed)} failed)`);
  }
  // A window without one executed call has no latency, which reads better as a dash than 0 ms.
  const executed = d.counts.success + d.counts.failure + d.counts.timeout;
  const none = executed === 0 && d.latency.every(([, v]) => v === 0);
  for (const [key, v] of d.latency) setText(p[key], none ? '–' : ms(v));
  const s = sparkPaths(history, now);
  p.line.setAttribute('d', s.line);
  p.area.setAttribute('d', s.area);
  setText(p.peak, s.peak > 0 ? `max ${rate(s.peak)}` : '');
  setText(p.countWindow, `Last ${span(d.windowMs)}`);
  setText(p.latencyWindow, `Latency, last ${span(d.latencyWindowMs)}`);
  drawExtras(p, d.extras);
  p.spark.setAttribute(
    'aria-label',
    `Request rate over the last 2 minutes: now ${rate(d.rate)}, highest ${rate(s.peak)}`,
  );
}

export function drawPool(p: PoolParts, d: PoolData): void {
  setText(p.name, d.name);
  const size = [
    d.size > 0 ? `size ${count(d.size)}` : '',
    d.hosts > 1 ? `${count(d.hosts)} hosts` : '',
  ];
  setText(p.size, size.filter(Boolean).join(' · '));
  setText(p.active, count(d.active));
  setText(p.queued, count(d.queued));
  setText(p.rejected, count(d.rejected));
  p.queued.classList.toggle('zero', d.queued === 0);
  p.rejected.classList.toggle('zero', d.rejected === 0);
  const limit = d.limit !== null && d.limit > 0 ? d.limit : d.size;
  const share = limit > 0 ? Math.min(1, d.active / limit) : 0;
  p.bar.style.width = `${(share * 100).toFixed(1)}%`;
  p.track.classList.toggle('full', share >= 1);
  setText(p.max, count(d.maxActive));
  setText(p.executed, count(d.executed));
  setText(
    p.limit,
    d.queueLimit === Number.POSITIVE_INFINITY
      ? 'no queue limit'
      : `queue limit ${count(d.queueLimit)}`,
  );
  p.abandonedFact.hidden = d.abandoned === null;
  p.abandonedFact.classList.toggle('warn', d.abandoned !== null && d.abandoned > 0);
  setText(p.abandoned, count(d.abandoned));
  p.adaptiveFact.hidden = d.adaptive === null;
  if (d.adaptive !== null) {
    setText(p.adaptiveLimit, count(d.limit === null ? d.size : d.limit));
    setText(p.adaptiveRange, `${count(d.adaptive[0])}–${count(d.adaptive[1])}`);
  }
}
