/**
 * The page script's first half: reading `HystrixCommand` / `HystrixThreadPool` events into
 * plain records, and drawing one card. Plain ES2020 for the browser, kept in a string (no
 * bundler, nothing to fetch); it must contain no backtick and no dollar-brace.
 */
export const CLIENT_VIEW: string = String.raw`
const HISTORY_MS = 120000;
const STATES = { closed: 'Closed', open: 'Open', 'half-open': 'Half-open', isolated: 'Isolated', disabled: 'Disabled' };
const PERCENTILES = [['p50', '50'], ['p90', '90'], ['p99', '99'], ['p99.5', '99.5']];
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

const n = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const count = (v) => integer.format(n(v));
const rate = (v) => (v >= 10 ? integer.format(v) : decimal.format(v)) + '/s';
const ms = (v) => (v >= 1000 ? decimal.format(v / 1000) + ' s' : integer.format(v) + ' ms');
// Whole percent from 10 % up (truncated, as Hystrix writes it), one decimal below, so a few
// errors among many calls never read as 0 %.
function percent(v) {
  if (v === 0 || v >= 10) return integer.format(Math.floor(v));
  return v < 0.1 ? '<0.1' : decimal.format(Math.floor(v * 10) / 10);
}
const span = (v) => (v >= 60000 && v % 60000 === 0 ? integer.format(v / 60000) + ' min' : decimal.format(v / 1000) + ' s');
const setText = (el, text) => {
  if (el.textContent !== text) el.textContent = text;
};

// The exact state comes from dynoCircuitState when the stream has it; Hystrix itself only
// says open or not.
function stateOf(d) {
  const raw = typeof d.dynoCircuitState === 'string' ? d.dynoCircuitState : '';
  if (raw !== '') {
    const key = raw.trim().toLowerCase().replace(/[_\s]+/g, '-').replace('halfopen', 'half-open');
    return STATES[key] ? { key: key, label: STATES[key] } : { key: 'unknown', label: raw.slice(0, 40) };
  }
  return d.isCircuitBreakerOpen === true ? { key: 'open', label: 'Open' } : { key: 'closed', label: 'Closed' };
}

function readCommand(d) {
  const windowMs = n(d.propertyValue_metricsRollingStatisticalWindowInMilliseconds) || 10000;
  const requests = n(d.requestCount);
  // errorCount / requestCount is exact (errorPercentage is truncated to a whole percent)
  const error = requests > 0 && typeof d.errorCount === 'number' ? (100 * n(d.errorCount)) / requests : n(d.errorPercentage);
  const latency = d.latencyExecute && typeof d.latencyExecute === 'object' ? d.latencyExecute : {};
  return {
    name: String(d.name),
    group: typeof d.group === 'string' ? d.group : '',
    hosts: n(d.reportingHosts) || 1,
    state: stateOf(d),
    error: Math.max(0, Math.min(100, error)),
    requests: requests,
    rate: requests / (windowMs / 1000),
    windowMs: windowMs,
    latencyWindowMs: n(d.propertyValue_metricsRollingPercentileWindowInMilliseconds) || 60000,
    inFlight: n(d.currentConcurrentExecutionCount),
    counts: {
      success: n(d.rollingCountSuccess),
      short: n(d.rollingCountShortCircuited),
      rejected: n(d.rollingCountThreadPoolRejected) + n(d.rollingCountSemaphoreRejected),
      timeout: n(d.rollingCountTimeout),
      failure: n(d.rollingCountFailure),
      fallback: n(d.rollingCountFallbackSuccess),
      fallbackFailed: n(d.rollingCountFallbackFailure),
    },
    latency: [['mean', n(d.latencyExecute_mean)]].concat(PERCENTILES.map((p) => [p[0], n(latency[p[1]])])),
    extras: readExtras(d),
  };
}

function readPool(d) {
  const queueLimit = n(d.propertyValue_queueSizeRejectionThreshold);
  return {
    name: String(d.name),
    active: n(d.currentActiveCount),
    queued: n(d.currentQueueSize),
    rejected: n(d.rollingCountCommandRejections) + n(d.rollingCountThreadsRejected),
    size: n(d.currentPoolSize) || n(d.currentMaximumPoolSize),
    maxActive: n(d.rollingMaxActiveThreads),
    executed: n(d.rollingCountThreadsExecuted),
    queueLimit: queueLimit >= 2147483647 ? Infinity : queueLimit,
    // a Dyno extra: null for a stream that does not carry it
    abandoned: typeof d.dynoAbandonedCount === 'number' ? n(d.dynoAbandonedCount) : null,
    // Dyno extras: the limit now, and the bounds of an adaptive one (null when absent)
    limit: typeof d.dynoLimit === 'number' ? n(d.dynoLimit) : null,
    adaptive: typeof d.dynoLimitMin === 'number' && typeof d.dynoLimitMax === 'number' ? [n(d.dynoLimitMin), n(d.dynoLimitMax)] : null,
  };
}

// Hystrix's thresholds (green to 10 %, then yellow, orange, red from 50 %), as steps rather
// than a blend, whose in-between shades read as muddy.
const HEALTH = [[10, '#2da44e'], [25, '#d4a72c'], [40, '#e8831f'], [50, '#e0582b']];
function healthColour(error, requests) {
  if (requests === 0) return 'var(--idle)';
  for (const step of HEALTH) if (error < step[0]) return step[1];
  return '#cf222e';
}

// Gaps longer than this (a lost stream) break the sparkline rather than bridge it.
const GAP_MS = 5000;
function sparkPaths(history, now) {
  let line = '';
  let area = '';
  let peak = 0;
  for (const p of history) peak = Math.max(peak, p.v);
  const top = peak > 0 ? peak : 1;
  let start = -1;
  let last = null;
  const x = (p) => Math.max(0, 120 - (now - p.t) / 1000).toFixed(2);
  const y = (p) => (38 - (p.v / top) * 34).toFixed(2);
  const close = () => {
    if (last !== null) area += 'L' + x(last) + ' 40L' + start + ' 40Z';
  };
  for (const p of history) {
    if (last === null || p.t - last.t > GAP_MS) {
      close();
      start = x(p);
      line += 'M' + start + ' ' + y(p);
      area += 'M' + start + ' 40L' + start + ' ' + y(p);
    } else {
      line += 'L' + x(p) + ' ' + y(p);
      area += 'L' + x(p) + ' ' + y(p);
    }
    last = p;
  }
  close();
  return { line: line, area: area, peak: peak };
}

function parts(root) {
  const map = {};
  for (const el of root.querySelectorAll('[data-part]')) map[el.getAttribute('data-part')] = el;
  return map;
}

function drawCircuit(c, maxRate, now) {
  const d = c.data;
  const p = c.parts;
  c.el.setAttribute('data-state', d.state.key);
  p.badge.setAttribute('data-state', d.state.key);
  p.icon.setAttribute('href', '#i-' + d.state.key);
  setText(p.state, d.state.label);
  setText(p.name, d.name);
  const meta = [d.group, d.inFlight > 0 ? count(d.inFlight) + ' in flight' : '', d.hosts > 1 ? d.hosts + ' hosts' : ''];
  setText(p.meta, meta.filter(Boolean).join(' · '));
  const error = percent(d.error);
  if (p.error.getAttribute('data-value') !== error) {
    p.error.setAttribute('data-value', error);
    p.error.textContent = error;
    p.error.append(small(' %'));
  }
  p.error.classList.toggle('bad', d.requests > 0 && d.error >= 50);
  setText(p.rate, rate(d.rate));
  const scale = Math.max(maxRate, 1);
  p.circle.setAttribute('r', (7 + 24 * Math.sqrt(Math.min(d.rate / scale, 1))).toFixed(1));
  p.circle.setAttribute('fill', healthColour(d.error, d.requests));
  for (const key in d.counts) {
    if (!p[key]) continue;
    const v = d.counts[key];
    setText(p[key], count(v));
    p[key].classList.toggle('zero', v === 0);
  }
  if (d.counts.fallbackFailed > 0) setText(p.fallback, count(d.counts.fallback) + ' (' + count(d.counts.fallbackFailed) + ' failed)');
  // A window without one executed call has no latency, which reads better as a dash than 0 ms.
  const executed = d.counts.success + d.counts.failure + d.counts.timeout;
  const none = executed === 0 && d.latency.every((pair) => pair[1] === 0);
  for (const pair of d.latency) setText(p[pair[0]], none ? '–' : ms(pair[1]));
  const s = sparkPaths(c.history, now);
  p.line.setAttribute('d', s.line);
  p.area.setAttribute('d', s.area);
  setText(p.peak, s.peak > 0 ? 'max ' + rate(s.peak) : '');
  setText(p.countWindow, 'Last ' + span(d.windowMs));
  setText(p.latencyWindow, 'Latency, last ' + span(d.latencyWindowMs));
  drawExtras(p, d.extras);
  p.spark.setAttribute('aria-label', 'Request rate over the last 2 minutes: now ' + rate(d.rate) + ', highest ' + rate(s.peak));
}

function small(text) {
  const el = document.createElement('small');
  el.textContent = text;
  return el;
}

function drawPool(q) {
  const d = q.data;
  const p = q.parts;
  setText(p.name, d.name);
  setText(p.size, d.size > 0 ? 'size ' + count(d.size) : '');
  setText(p.active, count(d.active));
  setText(p.queued, count(d.queued));
  setText(p.rejected, count(d.rejected));
  p.queued.classList.toggle('zero', d.queued === 0);
  p.rejected.classList.toggle('zero', d.rejected === 0);
  const size = d.limit !== null && d.limit > 0 ? d.limit : d.size;
  const share = size > 0 ? Math.min(1, d.active / size) : 0;
  p.bar.style.width = (share * 100).toFixed(1) + '%';
  p.track.classList.toggle('full', share >= 1);
  setText(p.max, count(d.maxActive));
  setText(p.executed, count(d.executed));
  setText(p.limit, d.queueLimit === Infinity ? 'no queue limit' : 'queue limit ' + count(d.queueLimit));
  p.abandonedFact.hidden = d.abandoned === null;
  p.abandonedFact.classList.toggle('warn', d.abandoned !== null && d.abandoned > 0);
  setText(p.abandoned, count(d.abandoned));
  p.adaptiveFact.hidden = d.adaptive === null;
  if (d.adaptive !== null) {
    setText(p.adaptiveLimit, count(d.limit === null ? d.size : d.limit));
    setText(p.adaptiveRange, count(d.adaptive[0]) + '–' + count(d.adaptive[1]));
  }
}
`;
