/** Escapes text for an HTML text node or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The icons of the state badges, drawn once and referenced with `<use>`. */
export const ICONS = `<svg width="0" height="0" class="visually-hidden" aria-hidden="true" focusable="false">
<symbol id="i-closed" viewBox="0 0 16 16"><path d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm3.2 4.3L7 9.5 4.8 7.3 3.7 8.4 7 11.7l5.3-5.3Z"/></symbol>
<symbol id="i-open" viewBox="0 0 16 16"><path d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm2.5 3.4L8 6.9 5.5 4.4 4.4 5.5 6.9 8l-2.5 2.5 1.1 1.1L8 9.1l2.5 2.5 1.1-1.1L9.1 8l2.5-2.5Z"/></symbol>
<symbol id="i-half-open" viewBox="0 0 16 16"><path d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm0 1.6v10.8a5.4 5.4 0 0 0 0-10.8Z"/></symbol>
<symbol id="i-mixed" viewBox="0 0 16 16"><path d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm0 1.6a5.4 5.4 0 0 0 0 10.8Z"/></symbol>
<symbol id="i-isolated" viewBox="0 0 16 16"><path d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1ZM5 7.2v1.6h6V7.2Z"/></symbol>
<symbol id="i-disabled" viewBox="0 0 16 16"><path fill-rule="evenodd" d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm3.8 3.3-7.5 7.5A5.4 5.4 0 0 0 11.8 4.3ZM8 2.6a5.4 5.4 0 0 0-4.9 7.7l7.2-7.2A5.4 5.4 0 0 0 8 2.6Z"/></symbol>
<symbol id="i-unknown" viewBox="0 0 16 16"><path d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm0 1.6a5.4 5.4 0 1 0 0 10.8A5.4 5.4 0 0 0 8 2.6Z"/></symbol>
</svg>`;

const LOGO = `<svg width="26" height="26" viewBox="0 0 26 26" aria-hidden="true" focusable="false"><circle cx="13" cy="13" r="12" fill="#2da44e"/><path d="M4 14h4l2-5 3 9 3-12 2 8h4" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

const OUTCOMES: ReadonlyArray<readonly [string, string]> = [
  ['success', 'Success'],
  ['short', 'Short-circuited'],
  ['rejected', 'Rejected'],
  ['timeout', 'Timeout'],
  ['failure', 'Failure'],
  ['fallback', 'Fallback'],
];

const LATENCIES = ['mean', 'p50', 'p90', 'p99', 'p99.5'];

const pair = (cls: string, label: string, part: string): string =>
  `<div class="${cls}"><dt>${label}</dt><dd data-part="${part}">0</dd></div>`;

const fact = (part: string, html: string, extra = ''): string =>
  `<span data-part="${part}"${extra}>${html}</span>`;

/**
 * The lines of a circuit card for the Dyno extras of the stream (a fleet circuit, a fleet rate
 * limiter, HTTP status classes, hedges, a cache, a load shedder), each hidden unless the stream
 * carries it.
 */
const EXTRAS = [
  `<p class="meta facts" data-part="fleetFacts" hidden><span>fleet: <b data-part="fleetOpen">0</b> of <b data-part="fleetLive">0</b> members report open</span>${fact('fleetIsolating', '<b>isolated by the fleet</b>', ' class="warn" hidden')}${fact('fleetAlone', 'Redis out of reach: deciding alone', ' hidden')}${fact('fleetIsolationsFact', 'isolations <b data-part="fleetIsolations">0</b>', ' class="warn" hidden')}${fact('fleetRedisFact', 'Redis errors <b data-part="fleetRedisErrors">0</b>', ' class="warn" hidden')}</p>`,
  `<p class="meta facts" data-part="rateFacts" hidden><span>rate limit: <b data-part="rateAdmitted">0</b> admitted</span><span><b data-part="rateRefused">0</b> refused</span>${fact('rateRedisFact', 'Redis errors <b data-part="rateRedisErrors">0</b>, decided without Redis <b data-part="rateFallback">0</b>', ' class="warn" hidden')}${fact('rateRedisStateFact', 'Redis circuit <b data-part="rateRedisState"></b>', ' class="warn" hidden')}</p>`,
  `<p class="meta facts" data-part="httpFacts" hidden>${['1xx', '2xx', '3xx', '4xx', '5xx'].map((c) => fact(c === '5xx' ? 'http5xxFact' : `http${c}Fact`, `${c === '1xx' ? 'HTTP ' : ''}${c} <b data-part="http${c}">0</b>`)).join('')}</p>`,
  `<p class="meta facts" data-part="hedgeFacts" hidden><span><b data-part="hedges">0</b> hedged</span><span><b data-part="hedgeWins">0</b> won by a hedge</span>${fact('hedgeRefusedFact', '<b data-part="hedgeRefused">0</b> refused by the budget', ' hidden')}</p>`,
  `<p class="meta facts" data-part="cacheFacts" hidden><span>cache hit ratio <b data-part="cacheRatio">–</b></span><span><b data-part="cacheHits">0</b> hits</span><span><b data-part="cacheMisses">0</b> misses</span><span><b data-part="cacheStale">0</b> stale served</span><span><b data-part="cacheRefreshes">0</b> refreshes</span><span><b data-part="cacheLoads">0</b> loads</span>${fact('cacheLoadFailedFact', '<b data-part="cacheLoadFailures">0</b> failed loads', ' class="warn" hidden')}${fact('cacheStoreFact', 'store errors <b data-part="cacheStoreErrors">0</b>', ' class="warn" hidden')}${fact('cacheStoreCircuitFact', 'store skipped <b data-part="cacheStoreCircuitOpened">0</b>×', ' class="warn" hidden')}${fact('cacheBusFact', 'bus drops <b data-part="cacheBusDrops">0</b>, bus errors <b data-part="cacheBusErrors">0</b>', ' class="warn" hidden')}</p>`,
  `<p class="meta facts" data-part="shedFacts" hidden><span>load shedder: <b data-part="shedAdmitted">0</b> admitted</span>${fact('shedRefusedFact', '<b data-part="shedRefused">0</b> refused<span data-part="shedShare"></span>')}</p>`,
].join('\n');

/** The card of one circuit (`HystrixCommand`), cloned by the page script per name. */
export const CIRCUIT_TEMPLATE: string = `<template id="circuit-template">
<article class="card circuit">
<div class="card-head"><h3 data-part="name"></h3><span class="badge" data-part="badge"><svg aria-hidden="true" focusable="false"><use data-part="icon" href="#i-closed"/></svg><span data-part="state">Closed</span></span></div>
<p class="meta" data-part="meta"></p>
<div class="vitals"><svg class="health" viewBox="0 0 64 64" aria-hidden="true" focusable="false"><circle data-part="circle" cx="32" cy="32" r="6"/></svg>
<dl class="kpi"><div class="kpi-error"><dt>Error rate</dt><dd data-part="error">0 %</dd></div><div class="kpi-rate"><dt data-part="rateLabel">requests</dt><dd data-part="rate">0/s</dd></div></dl>
<figure class="spark"><svg data-part="spark" viewBox="0 0 120 40" preserveAspectRatio="none" role="img" aria-label="Request rate"><line class="base" x1="0" y1="39.5" x2="120" y2="39.5"/><path class="area" data-part="area"/><path class="line" data-part="line"/></svg>
<figcaption><span>2 min</span><span data-part="peak"></span></figcaption></figure></div>
<p class="caption" data-part="countWindow"></p>
<dl class="outcomes">${OUTCOMES.map(([k, label]) => pair(`o-${k}`, label, k)).join('')}</dl>
${EXTRAS}
<p class="caption" data-part="latencyWindow"></p>
<dl class="latency" data-part="latency">${LATENCIES.map((p) => pair('', p, p)).join('')}</dl>
</article>
</template>`;

/** The card of one pool (`HystrixThreadPool`). */
export const POOL_TEMPLATE: string = `<template id="pool-template">
<article class="card pool">
<div class="card-head"><h3 data-part="name"></h3><span class="meta" data-part="size"></span></div>
<div class="bar" data-part="track" aria-hidden="true"><span data-part="bar"></span></div>
<dl class="outcomes">${pair('o-active', 'Active', 'active')}${pair('o-queued', 'Queued', 'queued')}${pair('o-rejected', 'Rejected', 'rejected')}</dl>
<p class="meta facts"><span>max active <b data-part="max">0</b></span><span><b data-part="executed">0</b> executed</span><span data-part="limit"></span><span data-part="abandonedFact" hidden><b data-part="abandoned">0</b> abandoned</span><span data-part="adaptiveFact" hidden>adaptive limit <b data-part="adaptiveLimit">0</b> (<span data-part="adaptiveRange"></span>)</span></p>
</article>
</template>`;

/** The page around the cards: header, connection banner, controls, the two lists. */
export function body(title: string, streamUrl: string): string {
  const t = escapeHtml(title);
  return `<a class="skip" href="#circuits-heading">Skip to circuits</a>
${ICONS}
<header class="top">
<div class="brand">${LOGO}<h1>${t}</h1></div>
<p class="conn" id="conn" data-state="connecting"><span class="dot" aria-hidden="true"></span><span id="conn-text">Connecting</span></p>
<form class="source" id="source" novalidate>
<label for="stream-url">Stream</label>
<input id="stream-url" name="stream" type="text" inputmode="url" autocomplete="off" spellcheck="false" value="${escapeHtml(streamUrl)}">
<button type="submit">Connect</button>
</form>
</header>
<div class="banner" id="banner" role="status" aria-live="polite" aria-atomic="true"></div>
<main id="main">
<section class="circuits-panel" aria-labelledby="circuits-heading">
<div class="panel-head">
<h2 id="circuits-heading" tabindex="-1">Circuits<span class="count" id="circuit-count"></span></h2>
<div class="controls">
<div class="sort" role="group" aria-labelledby="sort-label">
<span class="label" id="sort-label">Sort by</span>
<button type="button" data-sort="error" aria-pressed="true">Error %</button>
<button type="button" data-sort="volume" aria-pressed="false">Volume</button>
<button type="button" data-sort="name" aria-pressed="false">Name</button>
</div>
<label class="filter"><span>Filter</span><input id="filter" type="search" placeholder="Name contains…" autocomplete="off" spellcheck="false"></label>
</div>
</div>
<p class="empty" id="circuits-empty">Waiting for the stream…</p>
<div class="grid" id="circuits"></div>
</section>
<section class="pools-panel" aria-labelledby="pools-heading">
<div class="panel-head"><h2 id="pools-heading">Pools<span class="count" id="pool-count"></span></h2></div>
<p class="empty" id="pools-empty">No pools reported.</p>
<div class="grid" id="pools"></div>
</section>
</main>
<footer><p><span>Circle: size by request rate, colour by error rate.</span><span>Counts and rates over the stream's rolling window; latency over the latency window.</span></p></footer>
${CIRCUIT_TEMPLATE}
${POOL_TEMPLATE}`;
}
