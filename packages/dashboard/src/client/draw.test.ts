import { CIRCUIT_PARTS, type CircuitParts, drawExtras } from './draw.js';
import type { CacheFacts, Extras, ShedFacts } from './extras.js';
import { readCommand } from './read.js';

// Drawing a cache's and a load shedder's lines into a card's parts. The parts are stand-ins
// with the three things drawExtras touches (`hidden`, `textContent`, `classList`): jest runs in
// Node, and the real markup is drawn in Chromium by extras.browser.test.ts. Figures stay below
// 1,000 and whole: how Intl writes 1234 or 4.5 depends on Node's locale.

class Part {
  hidden = false;
  textContent: string | null = '';
  readonly classes = new Set<string>();
  readonly classList = {
    toggle: (name: string, on: boolean): void => {
      if (on) this.classes.add(name);
      else this.classes.delete(name);
    },
  };
}

function card(): { parts: CircuitParts; part: (name: string) => Part } {
  const all = new Map(CIRCUIT_PARTS.map((name) => [name as string, new Part()]));
  const part = (name: string): Part => all.get(name) as Part;
  return { parts: Object.fromEntries(all) as unknown as CircuitParts, part };
}

const none: Extras = { fleet: null, rate: null, http: null, hedge: null, cache: null, shed: null };

const cache = (change: Partial<CacheFacts> = {}): CacheFacts => ({
  hits: 934,
  misses: 41,
  ratio: (100 * 934) / 975,
  stale: 7,
  refreshes: 8,
  loads: 41,
  loadFailures: 0,
  storeErrors: 0,
  storeCircuitOpened: 0,
  busDrops: 0,
  busErrors: 0,
  ...change,
});

const shed = (change: Partial<ShedFacts> = {}): ShedFacts => ({
  admitted: 45,
  refused: 0,
  share: 0,
  ...change,
});

describe('drawing a cache line', () => {
  it('writes the hit ratio, hits, misses, stale values, refreshes and loads', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, cache: cache() });
    expect(part('cacheFacts').hidden).toBe(false);
    const texts = ['cacheRatio', 'cacheHits', 'cacheMisses', 'cacheStale', 'cacheRefreshes'];
    expect([...texts, 'cacheLoads'].map((p) => part(p).textContent)).toEqual([
      // 95.8 % truncated, as the error rate is: a cache missing now and then never reads 100 %
      '95 %',
      '934',
      '41',
      '7',
      '8',
      '41',
    ]);
    expect(part('cacheLoadFailedFact').hidden).toBe(true);
    expect(part('cacheStoreFact').hidden).toBe(true);
  });

  it('regression: shows a cache bus that dropped or lost messages, only when it did', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, cache: cache() });
    expect(part('cacheBusFact').hidden).toBe(true);
    drawExtras(parts, { ...none, cache: cache({ busDrops: 1 }) });
    expect(part('cacheBusFact').hidden).toBe(false);
    expect(part('cacheBusDrops').textContent).toBe('1');
    expect(part('cacheBusErrors').textContent).toBe('0');
    drawExtras(parts, { ...none, cache: cache({ busErrors: 4 }) });
    expect(part('cacheBusFact').hidden).toBe(false);
    expect(part('cacheBusErrors').textContent).toBe('4');
  });

  it('regression: shows a cache that stopped using its store, only when it did', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, cache: cache() });
    expect(part('cacheStoreCircuitFact').hidden).toBe(true);
    drawExtras(parts, { ...none, cache: cache({ storeCircuitOpened: 2 }) });
    expect(part('cacheStoreCircuitFact').hidden).toBe(false);
    expect(part('cacheStoreCircuitOpened').textContent).toBe('2');
  });

  it.each([
    [null, '–'],
    [0, '0 %'],
    [100, '100 %'],
    [99.96, '99 %'],
    [0.04, '<0.1 %'],
  ])('writes a hit ratio of %p as %p', (ratio, text) => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, cache: cache({ ratio }) });
    expect(part('cacheRatio').textContent).toBe(text);
  });

  it('shows failed loads and store errors only when there are some', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, cache: cache({ loadFailures: 3, storeErrors: 1 }) });
    expect(part('cacheLoadFailedFact').hidden).toBe(false);
    expect(part('cacheLoadFailures').textContent).toBe('3');
    expect(part('cacheStoreFact').hidden).toBe(false);
    expect(part('cacheStoreErrors').textContent).toBe('1');
    drawExtras(parts, { ...none, cache: cache() });
    expect(part('cacheLoadFailedFact').hidden).toBe(true);
    expect(part('cacheStoreFact').hidden).toBe(true);
  });

  it('regression: shows a cache bus that dropped or lost messages, only when it did', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, cache: cache() });
    expect(part('cacheBusFact').hidden).toBe(true);
    drawExtras(parts, { ...none, cache: cache({ busDrops: 1 }) });
    expect(part('cacheBusFact').hidden).toBe(false);
    expect(part('cacheBusDrops').textContent).toBe('1');
    expect(part('cacheBusErrors').textContent).toBe('0');
    drawExtras(parts, { ...none, cache: cache({ busErrors: 4 }) });
    expect(part('cacheBusFact').hidden).toBe(false);
    expect(part('cacheBusErrors').textContent).toBe('4');
  });

  it('hides the line for a command without a cache, and again when its cache goes', () => {
    const { parts, part } = card();
    drawExtras(parts, none);
    expect(part('cacheFacts').hidden).toBe(true);
    drawExtras(parts, { ...none, cache: cache() });
    expect(part('cacheFacts').hidden).toBe(false);
    drawExtras(parts, none);
    expect(part('cacheFacts').hidden).toBe(true);
  });

  it('draws the odd values of a broken stream as figures, never NaN or a negative count', () => {
    const { parts, part } = card();
    const event = {
      type: 'HystrixCommand',
      name: 'odd',
      rollingCountResponsesFromCache: -3,
      dynoCacheMisses: 1e308,
      dynoCacheStale: 'x',
      dynoCacheLoads: -0,
      dynoShedAdmitted: -1,
      dynoShedRefused: 1e308,
    };
    drawExtras(parts, readCommand(event).extras);
    const shown = CIRCUIT_PARTS.map((p) => part(p).textContent).join(' ');
    expect(shown).not.toMatch(/NaN|Infinity|∞|undefined|-/);
    expect(part('cacheRatio').textContent).toBe('0 %');
    expect(part('cacheLoads').textContent).toBe('0');
    expect(part('shedShare').textContent).toBe(' (100 %)');
  });
});

describe('drawing a load shedder line', () => {
  it('writes admitted and refused requests with the refused share, in red once any is refused', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, shed: shed() });
    expect(part('shedFacts').hidden).toBe(false);
    expect(part('shedAdmitted').textContent).toBe('45');
    expect(part('shedRefused').textContent).toBe('0');
    expect(part('shedShare').textContent).toBe(' (0 %)');
    expect(part('shedRefusedFact').classes.has('warn')).toBe(false);
    drawExtras(parts, { ...none, shed: shed({ refused: 5, share: 10 }) });
    expect(part('shedRefused').textContent).toBe('5');
    expect(part('shedShare').textContent).toBe(' (10 %)');
    expect(part('shedRefusedFact').classes.has('warn')).toBe(true);
  });

  it('writes no share without a request, and hides the line for a command without a shedder', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, shed: shed({ admitted: 0, share: null }) });
    expect(part('shedShare').textContent).toBe('');
    drawExtras(parts, none);
    expect(part('shedFacts').hidden).toBe(true);
  });
});

describe('drawing the fleet, rate limit and HTTP lines', () => {
  const fleet = {
    live: 5,
    open: 3,
    isolating: false,
    connected: true,
    isolations: 0,
    redisErrors: 0,
  };
  const rate = { admitted: 4, refused: 1, fallback: 0, redisErrors: 0, redisState: null };

  it("writes a fleet circuit's isolations and Redis errors, only once there are some", () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, fleet });
    expect(part('fleetIsolationsFact').hidden).toBe(true);
    expect(part('fleetRedisFact').hidden).toBe(true);
    drawExtras(parts, { ...none, fleet: { ...fleet, isolations: 2, redisErrors: 7 } });
    expect(part('fleetIsolationsFact').hidden).toBe(false);
    expect(part('fleetIsolations').textContent).toBe('2');
    expect(part('fleetRedisFact').hidden).toBe(false);
    expect(part('fleetRedisErrors').textContent).toBe('7');
  });

  it("writes a rate limiter's Redis circuit while some host's is not closed", () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, rate });
    expect(part('rateRedisStateFact').hidden).toBe(true);
    const mixed = { label: 'closed 2, open 1', trouble: true };
    drawExtras(parts, { ...none, rate: { ...rate, redisState: mixed } });
    expect(part('rateRedisStateFact').hidden).toBe(false);
    expect(part('rateRedisState').textContent).toBe('closed 2, open 1');
    drawExtras(parts, {
      ...none,
      rate: { ...rate, redisState: { label: 'closed', trouble: false } },
    });
    expect(part('rateRedisStateFact').hidden).toBe(true);
  });

  it('writes 1xx responses first, and turns 5xx red by its own count, not by 4xx', () => {
    const { parts, part } = card();
    drawExtras(parts, { ...none, http: [2, 5, 0, 1, 0] });
    expect(
      ['http1xx', 'http2xx', 'http3xx', 'http4xx', 'http5xx'].map((p) => part(p).textContent),
    ).toEqual(['2', '5', '0', '1', '0']);
    expect(part('http5xxFact').classes.has('warn')).toBe(false);
    drawExtras(parts, { ...none, http: [0, 5, 0, 0, 3] });
    expect(part('http5xxFact').classes.has('warn')).toBe(true);
  });
});
