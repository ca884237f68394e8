/**
 * The page script: the stream connection (with its own reconnect, so a stream that ends or
 * answers an error comes back too), the banner, sorting, filtering, cards that stop reporting,
 * and rendering at most once per animation frame however many events arrive.
 */
import {
  CIRCUIT_PARTS,
  type CircuitParts,
  drawCircuit,
  drawPool,
  HISTORY_MS,
  POOL_PARTS,
  type Point,
  type PoolParts,
  parts,
} from './draw.js';
import { type Json, setText } from './format.js';
import { type Command, type PoolData, readCommand, readPool } from './read.js';

interface Card<T> {
  readonly el: HTMLElement;
  data: T;
  /** When the stream last reported it (`performance.now()`). */
  seen: number;
}
interface CircuitCard extends Card<Command> {
  readonly parts: CircuitParts;
  readonly history: Point[];
}
interface PoolCard extends Card<PoolData> {
  readonly parts: PoolParts;
}
type Named = { readonly name: string };

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
};
const ui = {
  main: $('main'),
  conn: $('conn'),
  connText: $('conn-text'),
  banner: $('banner'),
  form: $<HTMLFormElement>('source'),
  url: $<HTMLInputElement>('stream-url'),
  filter: $<HTMLInputElement>('filter'),
  circuits: $('circuits'),
  circuitCount: $('circuit-count'),
  circuitsEmpty: $('circuits-empty'),
  pools: $('pools'),
  poolCount: $('pool-count'),
  poolsEmpty: $('pools-empty'),
  sort: Array.from(document.querySelectorAll<HTMLButtonElement>('[data-sort]')),
  circuitTemplate: $<HTMLTemplateElement>('circuit-template'),
  poolTemplate: $<HTMLTemplateElement>('pool-template'),
};
const circuits = new Map<string, CircuitCard>();
const pools = new Map<string, PoolCard>();
const view = { sort: 'error', filter: '' };
const link = {
  source: null as EventSource | null,
  url: '',
  retry: 0,
  failures: 0,
  everOpen: false,
  lostAt: 0,
  bannerTimer: 0,
};
let frame = 0;

// The pace asked of the stream with ?delay= in the page's address (Hystrix's dashboard passes
// it on the same way); a card with no update for ten beats, and at least 10 s, has stopped
// reporting (a name gone from the registry, a command no host of a cluster runs any more).
// At most a minute, the slowest hystrixStream honours: a larger delay would have the page
// keep a card that stopped reporting for months while the stream beats every minute, and one
// of 22 digits or more would be asked as `1e+23`, which the stream takes for no number.
const MAX_DELAY = 60000;
const DELAY = ((): number => {
  const text = new URLSearchParams(location.search).get('delay');
  return text !== null && /^[0-9]+$/.test(text) && Number(text) > 0
    ? Math.min(Number(text), MAX_DELAY)
    : 0;
})();
const STALE_MS = Math.max(10000, 10 * DELAY);
let sweptAt = 0;

function withDelay(url: string): string {
  if (DELAY === 0) return url;
  const u = new URL(url);
  if (!u.searchParams.has('delay')) u.searchParams.set('delay', String(DELAY));
  return u.href;
}

// Only while updates arrive: a lost stream freezes the cards (and says so) rather than
// emptying the page, and a stream that comes back gives every card a new chance. The update
// that triggers it may be no card's (Turbine's `meta`, Hystrix's `HystrixCollapser`), so a
// removal draws the counts and the empty message itself.
function sweep(now: number): void {
  sweptAt = now;
  for (const all of [circuits, pools] as Map<string, Card<unknown>>[]) {
    for (const [name, x] of all) {
      if (now - x.seen <= STALE_MS) continue;
      x.el.remove();
      all.delete(name);
      schedule();
    }
  }
}

function refresh(now: number): void {
  for (const all of [circuits, pools] as Map<string, Card<unknown>>[]) {
    for (const x of all.values()) x.seen = now;
  }
}

function schedule(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function clone(template: HTMLTemplateElement): HTMLElement {
  return (template.content.firstElementChild as HTMLElement).cloneNode(true) as HTMLElement;
}

function receive(text: string): void {
  let d: unknown;
  try {
    d = JSON.parse(text);
  } catch {
    return;
  }
  if (d === null || typeof d !== 'object' || typeof (d as Json).name !== 'string') return;
  const event = d as Json & { name: string };
  const now = performance.now();
  if (event.type === 'HystrixCommand') {
    const data = readCommand(event);
    let c = circuits.get(event.name);
    if (c === undefined) {
      const el = clone(ui.circuitTemplate);
      c = { el, parts: parts(el, CIRCUIT_PARTS), data, seen: now, history: [] };
      circuits.set(event.name, c);
      ui.circuits.append(c.el);
    }
    c.data = data;
    c.seen = now;
    c.history.push({ t: now, v: data.rate });
    while (c.history.length > 0 && (c.history[0] as Point).t < now - HISTORY_MS) c.history.shift();
    schedule();
  } else if (event.type === 'HystrixThreadPool') {
    const data = readPool(event);
    let q = pools.get(event.name);
    if (q === undefined) {
      const el = clone(ui.poolTemplate);
      q = { el, parts: parts(el, POOL_PARTS), data, seen: now };
      pools.set(event.name, q);
      ui.pools.append(q.el);
    }
    q.data = data;
    q.seen = now;
    schedule();
  }
  if (now - sweptAt >= 1000) sweep(now);
}

function byName(a: Named, b: Named): number {
  return a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
}
const ORDER: Readonly<Record<string, (a: Command, b: Command) => number>> = {
  error: (a, b) => b.error - a.error || b.rate - a.rate || byName(a, b),
  volume: (a, b) => b.rate - a.rate || b.error - a.error || byName(a, b),
  name: byName,
};

// Moves only the cards that are out of place, so nothing flickers and focus never jumps.
function place(container: HTMLElement, items: readonly Card<unknown>[]): void {
  let next = container.firstElementChild;
  for (const item of items) {
    if (item.el !== next) container.insertBefore(item.el, next);
    else next = next.nextElementSibling;
  }
}

function show<T extends Named, C extends Card<T>>(
  all: Map<string, C>,
  container: HTMLElement,
  label: HTMLElement,
  empty: HTMLElement,
  emptyText: string,
  order: (a: T, b: T) => number,
): C[] {
  const needle = view.filter.trim().toLowerCase();
  const list = Array.from(all.values());
  const matches = (x: C): boolean => needle === '' || x.data.name.toLowerCase().includes(needle);
  const shown = list.filter(matches);
  shown.sort((a, b) => order(a.data, b.data));
  for (const x of list) x.el.hidden = !matches(x);
  place(container, shown);
  const total = list.length;
  setText(
    label,
    total === 0 ? '' : shown.length === total ? String(total) : `${shown.length} of ${total}`,
  );
  const message =
    total === 0 ? emptyText : shown.length === 0 ? `Nothing matches “${view.filter.trim()}”.` : '';
  setText(empty, message);
  empty.hidden = message === '';
  return shown;
}

function render(): void {
  frame = 0;
  const now = performance.now();
  let maxRate = 0;
  for (const c of circuits.values()) maxRate = Math.max(maxRate, c.data.hostRate);
  const waiting = link.everOpen ? 'No circuits reported yet.' : 'Waiting for the stream…';
  const order = ORDER[view.sort] ?? byName;
  const circuitsShown = show(
    circuits,
    ui.circuits,
    ui.circuitCount,
    ui.circuitsEmpty,
    waiting,
    order,
  );
  for (const c of circuitsShown) drawCircuit(c.el, c.parts, c.data, c.history, maxRate, now);
  const poolsShown = show(
    pools,
    ui.pools,
    ui.poolCount,
    ui.poolsEmpty,
    'No pools reported.',
    byName,
  );
  for (const q of poolsShown) drawPool(q.parts, q.data);
}

const clock = (): string => new Date().toLocaleTimeString();

function banner(kind: '' | 'lost' | 'back', text: string): void {
  clearTimeout(link.bannerTimer);
  ui.banner.textContent = '';
  if (kind === '') return;
  const p = document.createElement('p');
  p.className = kind;
  p.textContent = text;
  ui.banner.append(p);
  // The good news needs no permanent space; the bad news stays until it is over.
  if (kind === 'back') link.bannerTimer = window.setTimeout(() => banner('', ''), 10000);
}

function status(state: string, text: string): void {
  ui.conn.setAttribute('data-state', state);
  setText(ui.connText, text);
  ui.main.classList.toggle('stale', state === 'lost' && link.everOpen);
}

function disconnect(): void {
  clearTimeout(link.retry);
  const source = link.source;
  if (source !== null) {
    source.onopen = null;
    source.onmessage = null;
    source.onerror = null;
    source.close();
    link.source = null;
  }
}

function connect(url: string): void {
  disconnect();
  link.url = url;
  status(link.lostAt ? 'lost' : 'connecting', link.lostAt ? 'Reconnecting' : 'Connecting');
  const source = new EventSource(withDelay(url));
  link.source = source;
  source.onopen = () => {
    link.failures = 0;
    refresh(performance.now());
    status('live', 'Live');
    if (link.lostAt) {
      const gone = Math.max(1, Math.round((Date.now() - link.lostAt) / 1000));
      banner('back', `Stream restored at ${clock()} after ${gone} s.`);
    } else if (!link.everOpen) {
      banner('', '');
    }
    link.lostAt = 0;
    link.everOpen = true;
    schedule();
  };
  source.onmessage = (event: MessageEvent<string>) => receive(event.data);
  // EventSource retries some failures itself and gives up on others (an HTTP error, a wrong
  // content type); closing and retrying here treats every loss alike, with a backoff.
  source.onerror = () => {
    disconnect();
    link.failures++;
    const delay = Math.min(1000 * 2 ** (link.failures - 1), 15000);
    if (!link.lostAt) {
      link.lostAt = Date.now();
      banner(
        'lost',
        link.everOpen
          ? `Stream lost at ${clock()}. Reconnecting… the figures below are frozen.`
          : `Cannot reach the stream at ${url}. Retrying…`,
      );
    }
    status('lost', `Retrying in ${Math.round(delay / 1000)} s`);
    link.retry = window.setTimeout(() => connect(url), delay);
  };
}

function reset(): void {
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

function streamUrl(value: string): string {
  try {
    const url = new URL(value, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

for (const button of ui.sort) {
  button.addEventListener('click', () => {
    view.sort = button.getAttribute('data-sort') ?? 'error';
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
    banner('lost', `“${value}” is not an http or https URL.`);
    ui.url.focus();
    return;
  }
  const query = new URLSearchParams(location.search);
  if (value === document.body.getAttribute('data-stream')) query.delete('stream');
  else query.set('stream', value);
  const search = query.toString();
  history.replaceState(null, '', location.pathname + (search ? `?${search}` : '') + location.hash);
  reset();
  connect(url);
});

const initial =
  new URLSearchParams(location.search).get('stream') ||
  document.body.getAttribute('data-stream') ||
  '';
ui.url.value = initial;
const first = streamUrl(initial);
if (first) connect(first);
else banner('lost', `“${initial}” is not an http or https URL.`);
schedule();
