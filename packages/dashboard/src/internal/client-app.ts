/**
 * The page script's second half: the stream connection (with its own reconnect, so a stream
 * that ends or answers an error comes back too), the banner, sorting, filtering and rendering
 * at most once per animation frame however many events arrive.
 */
export const CLIENT_APP = `
const $ = (id) => document.getElementById(id);
const ui = {
  main: $('main'), conn: $('conn'), connText: $('conn-text'), banner: $('banner'),
  form: $('source'), url: $('stream-url'), filter: $('filter'),
  circuits: $('circuits'), circuitCount: $('circuit-count'), circuitsEmpty: $('circuits-empty'),
  pools: $('pools'), poolCount: $('pool-count'), poolsEmpty: $('pools-empty'),
  sort: Array.from(document.querySelectorAll('[data-sort]')),
  circuitTemplate: $('circuit-template'), poolTemplate: $('pool-template'),
};
const circuits = new Map();
const pools = new Map();
const view = { sort: 'error', filter: '' };
const link = { source: null, url: '', retry: 0, failures: 0, everOpen: false, lostAt: 0, bannerTimer: 0 };
let frame = 0;

function schedule() {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function card(template) {
  const el = template.content.firstElementChild.cloneNode(true);
  return { el: el, parts: parts(el) };
}

function receive(text) {
  let d;
  try {
    d = JSON.parse(text);
  } catch {
    return;
  }
  if (d === null || typeof d !== 'object' || typeof d.name !== 'string') return;
  const now = performance.now();
  if (d.type === 'HystrixCommand') {
    let c = circuits.get(d.name);
    if (!c) {
      c = card(ui.circuitTemplate);
      c.history = [];
      circuits.set(d.name, c);
      ui.circuits.append(c.el);
    }
    c.data = readCommand(d);
    c.history.push({ t: now, v: c.data.rate });
    while (c.history.length > 0 && c.history[0].t < now - HISTORY_MS) c.history.shift();
    schedule();
  } else if (d.type === 'HystrixThreadPool') {
    let q = pools.get(d.name);
    if (!q) {
      q = card(ui.poolTemplate);
      pools.set(d.name, q);
      ui.pools.append(q.el);
    }
    q.data = readPool(d);
    schedule();
  }
}

const ORDER = {
  error: (a, b) => b.error - a.error || b.rate - a.rate || byName(a, b),
  volume: (a, b) => b.rate - a.rate || b.error - a.error || byName(a, b),
  name: (a, b) => byName(a, b),
};
function byName(a, b) {
  return a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
}

// Moves only the cards that are out of place, so nothing flickers and focus never jumps.
function place(container, items) {
  let next = container.firstElementChild;
  for (const item of items) {
    if (item.el !== next) container.insertBefore(item.el, next);
    else next = next.nextElementSibling;
  }
}

function show(all, container, label, empty, emptyText, order) {
  const needle = view.filter.trim().toLowerCase();
  const list = Array.from(all.values());
  const shown = list.filter((x) => needle === '' || x.data.name.toLowerCase().includes(needle));
  shown.sort((a, b) => order(a.data, b.data));
  for (const x of list) x.el.hidden = needle !== '' && !x.data.name.toLowerCase().includes(needle);
  place(container, shown);
  setText(label, list.length === 0 ? '' : shown.length === list.length ? String(list.length) : shown.length + ' of ' + list.length);
  const message = list.length === 0 ? emptyText : shown.length === 0 ? 'Nothing matches “' + view.filter.trim() + '”.' : '';
  setText(empty, message);
  empty.hidden = message === '';
  return shown;
}

function render() {
  frame = 0;
  const now = performance.now();
  let maxRate = 0;
  for (const c of circuits.values()) maxRate = Math.max(maxRate, c.data.rate);
  const waiting = link.everOpen ? 'No circuits reported yet.' : 'Waiting for the stream…';
  for (const c of show(circuits, ui.circuits, ui.circuitCount, ui.circuitsEmpty, waiting, ORDER[view.sort])) drawCircuit(c, maxRate, now);
  for (const q of show(pools, ui.pools, ui.poolCount, ui.poolsEmpty, 'No pools reported.', byName)) drawPool(q);
}

const clock = () => new Date().toLocaleTimeString();

function banner(kind, text) {
  clearTimeout(link.bannerTimer);
  ui.banner.textContent = '';
  if (kind === '') return;
  const p = document.createElement('p');
  p.className = kind;
  p.textContent = text;
  ui.banner.append(p);
  // The good news needs no permanent space; the bad news stays until it is over.
  if (kind === 'back') link.bannerTimer = setTimeout(() => banner('', ''), 10000);
}

function status(state, text) {
  ui.conn.setAttribute('data-state', state);
  setText(ui.connText, text);
  ui.main.classList.toggle('stale', state === 'lost' && link.everOpen);
}

function disconnect() {
  clearTimeout(link.retry);
  if (link.source) {
    link.source.onopen = link.source.onmessage = link.source.onerror = null;
    link.source.close();
    link.source = null;
  }
}

function connect(url) {
  disconnect();
  link.url = url;
  status(link.lostAt ? 'lost' : 'connecting', link.lostAt ? 'Reconnecting' : 'Connecting');
  const source = new EventSource(url);
  link.source = source;
  source.onopen = () => {
    link.failures = 0;
    status('live', 'Live');
    if (link.lostAt) {
      const gone = Math.max(1, Math.round((Date.now() - link.lostAt) / 1000));
      banner('back', 'Stream restored at ' + clock() + ' after ' + gone + ' s.');
    } else if (!link.everOpen) {
      banner('', '');
    }
    link.lostAt = 0;
    link.everOpen = true;
    schedule();
  };
  source.onmessage = (event) => receive(event.data);
  // EventSource retries some failures itself and gives up on others (an HTTP error, a wrong
  // content type); closing and retrying here treats every loss alike, with a backoff.
  source.onerror = () => {
    disconnect();
    link.failures++;
    const delay = Math.min(1000 * 2 ** (link.failures - 1), 15000);
    if (!link.lostAt) {
      link.lostAt = Date.now();
      banner('lost', link.everOpen
        ? 'Stream lost at ' + clock() + '. Reconnecting… the figures below are frozen.'
        : 'Cannot reach the stream at ' + url + '. Retrying…');
    }
    status('lost', 'Retrying in ' + Math.round(delay / 1000) + ' s');
    link.retry = setTimeout(() => connect(url), delay);
  };
}

function reset() {
  circuits.clear();
  pools.clear();
  ui.circuits.textContent = '';
  ui.pools.textContent = '';
  link.everOpen = false;
  link.lostAt = 0;
  link.failures = 0;
  banner('', '');
  schedule();
}

function streamUrl(value) {
  try {
    const url = new URL(value, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

for (const button of ui.sort) {
  button.addEventListener('click', () => {
    view.sort = button.getAttribute('data-sort');
    for (const b of ui.sort) b.setAttribute('aria-pressed', String(b === button));
    schedule();
  });
}
ui.filter.addEventListener('input', () => {
  view.filter = ui.filter.value;
  schedule();
});
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = ui.url.value.trim();
  const url = streamUrl(value);
  ui.url.setAttribute('aria-invalid', String(url === ''));
  if (url === '') {
    banner('lost', '“' + value + '” is not an http or https URL.');
    ui.url.focus();
    return;
  }
  const query = new URLSearchParams(location.search);
  if (value === document.body.getAttribute('data-stream')) query.delete('stream');
  else query.set('stream', value);
  const search = query.toString();
  history.replaceState(null, '', location.pathname + (search ? '?' + search : '') + location.hash);
  reset();
  connect(url);
});

const initial = new URLSearchParams(location.search).get('stream') || document.body.getAttribute('data-stream');
ui.url.value = initial;
const first = streamUrl(initial);
if (first) connect(first);
else banner('lost', '“' + initial + '” is not an http or https URL.');
schedule();
`;
