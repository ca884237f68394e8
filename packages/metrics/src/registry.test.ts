import { DisposedError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { MetricsLimitError } from './errors.js';
import { prometheusText } from './prometheus.js';
import { MetricsRegistry } from './registry.js';

describe('MetricsRegistry', () => {
  it('hands out one Metrics per name, made with the shared options', () => {
    const clock = new ManualClock();
    const registry = new MetricsRegistry({ metrics: { clock, window: 1000, buckets: 2 } });
    const a = registry.get('a');
    expect(registry.get('a')).toBe(a);
    expect(a.window).toBe(1000);
    expect(registry.get('b', { group: 'g' }).group).toBe('g');
    expect(registry.names()).toEqual(['a', 'b']);
    expect(registry.size).toBe(2);
    expect(registry.has('a')).toBe(true);
    expect([...registry]).toHaveLength(2);
    a.record('success');
    expect(registry.snapshot().map((s) => s.requests)).toEqual([1, 0]);
  });

  it('throws MetricsLimitError when full, keeping every entry', () => {
    const registry = new MetricsRegistry({ maxSize: 2 });
    registry.get('a');
    registry.get('b');
    let error: unknown;
    try {
      registry.get('c');
    } catch (e) {
      error = e;
    }
    expect(MetricsLimitError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(MetricsLimitError);
    expect((error as MetricsLimitError).code).toBe('DYNO_METRICS_LIMIT');
    expect((error as MetricsLimitError).source).toBe('c');
    expect((error as MetricsLimitError).maxSize).toBe(2);
    expect((error as Error).message).toBe(
      "@dyno/metrics: the registry holds its maximum of 2 names; cannot add \"c\" (raise `maxSize` or use `whenFull: 'evict-idle'` or `'overflow'`)",
    );
    expect(registry.names()).toEqual(['a', 'b']);
    expect(registry.dropped).toBe(1);
    expect(registry.get('a')).toBeDefined();
  });

  /** A registry of two names that evicts the idlest, and the names it evicted. */
  function evictingTwo() {
    const clock = new ManualClock();
    const registry = new MetricsRegistry({
      maxSize: 2,
      whenFull: 'evict-idle',
      metrics: { clock },
    });
    const evicted: string[] = [];
    registry.onEvict((e) => evicted.push(e.name));
    return { clock, registry, evicted };
  }

  it("evicts the entry idle the longest with whenFull: 'evict-idle', and says so", async () => {
    const { clock, registry, evicted } = evictingTwo();
    const a = registry.get('a');
    const b = registry.get('b');
    await clock.advance(10);
    a.record('success');
    expect(b.lastActivity).toBe(0);
    registry.get('c');
    expect(evicted).toEqual(['b']);
    expect(registry.names()).toEqual(['a', 'c']);
    expect(registry.dropped).toBe(1);
    // the evicted instance is not disposed: its holder may keep recording
    b.record('success');
    expect(b.disposed).toBe(false);
  });

  it("evicts an entry with a call in flight only when every entry has one, with 'evict-idle'", async () => {
    const { clock, registry, evicted } = evictingTwo();
    const slow = registry.get('slow');
    slow.begin(); // a call that has recorded nothing yet, still running
    await clock.advance(10);
    registry.get('quick').record('success');
    registry.get('c');
    expect(evicted).toEqual(['quick']); // not 'slow', whose latest record is older
    registry.get('c').begin();
    registry.get('d');
    expect(evicted).toEqual(['quick', 'slow']); // both busy: the idlest goes
  });

  it("stays within maxSize when an onEvict listener asks for a new name, with 'evict-idle'", async () => {
    const { clock, registry, evicted } = evictingTwo();
    // counting evictions in an entry of the same registry
    registry.onEvict(() => registry.get('evictions').record('success'));
    registry.get('a');
    await clock.advance(10);
    registry.get('b');
    await clock.advance(10);
    registry.get('c');
    expect(registry.size).toBe(2);
    for (const name of ['d', 'e', 'f']) {
      await clock.advance(10);
      registry.get(name);
      expect(registry.size).toBe(2);
    }
    expect(registry.has('f')).toBe(true);
    expect(evicted.length).toBe(registry.dropped);
  });

  it('exports an evicted entry again once its holder records into it (regression: orphan records)', async () => {
    const { clock, registry, evicted } = evictingTwo();
    const held = registry.get('a'); // a service holds its Metrics from construction on
    registry.get('b');
    await clock.advance(10);
    registry.get('b').record('success');
    registry.get('c'); // evicts 'a', idle the longest
    expect(evicted).toEqual(['a']);
    await clock.advance(10);
    for (let i = 0; i < 3; i++) held.record('success');
    // its calls used to be exported nowhere: missing from every scrape, lost for good
    const text = prometheusText(registry);
    expect(text).toContain('dyno_calls_total{name="a",outcome="success"} 3');
    expect(evicted).toEqual(['a', 'b']); // the idlest left in its place
    expect(registry.names()).toEqual(['c', 'a']);
    expect(registry.size).toBe(2);
    expect(registry.dropped).toBe(2);
    // nothing to take back at the next read, and the name's Metrics is the one held
    expect(registry.snapshot().map((s) => [s.name, s.totals.success])).toEqual([
      ['c', 0],
      ['a', 3],
    ]);
    expect(registry.get('a')).toBe(held);
  });

  it('gives back an evicted entry its holder still has to get() of its name, counts and all', async () => {
    const { clock, registry, evicted } = evictingTwo();
    const held = registry.get('a');
    held.record('failure');
    await clock.advance(10);
    registry.get('b').record('success');
    registry.get('c').record('success'); // evicts 'a'
    // a second Metrics of the name used to start at 0: Prometheus read a counter reset, and
    // the holder's calls went on into the first, exported nowhere
    expect(registry.get('a')).toBe(held);
    expect(evicted).toEqual(['a', 'b']);
    expect(registry.snapshot().find((s) => s.name === 'a')?.totals.failure).toBe(1);
    // an evicted entry its holder disposed is not given back: the name gets a new one
    await clock.advance(10);
    registry.get('c').record('success');
    registry.get('d'); // evicts 'a' again
    held.dispose();
    expect([...registry].map((m) => m.name)).toEqual(['c', 'd']); // forgotten, not taken back
    const fresh = registry.get('a');
    expect(fresh).not.toBe(held);
    expect(fresh.disposed).toBe(false);
  });

  it('leaves an evicted entry out while it is the idlest, and forgets one deleted', async () => {
    const { clock, registry, evicted } = evictingTwo();
    const held = registry.get('a');
    await clock.advance(10);
    held.record('success');
    registry.get('b').record('success');
    await clock.advance(10);
    registry.get('c').record('success'); // evicts 'a' (recorded at 10, as 'b'; made first)
    await clock.advance(10);
    registry.get('b').record('success');
    registry.get('c').record('success');
    // a call that ended at 25, counted late: newer than the eviction, older than the others
    held.record('success', 1, 25);
    expect([...registry].map((m) => m.name)).toEqual(['b', 'c']);
    expect(evicted).toEqual(['a']);
    expect(registry.dropped).toBe(1);
    expect(registry.delete('a')).toBe(false);
    await clock.advance(10);
    held.record('success');
    expect([...registry].map((m) => m.name)).toEqual(['b', 'c']);
    expect(held.disposed).toBe(false);
    expect(registry.get('a')).not.toBe(held);
  });

  it("refuses the overflow entry's name for an entry of its own with whenFull: 'overflow'", () => {
    const registry = new MetricsRegistry({
      maxSize: 1,
      whenFull: 'overflow',
      overflowName: 'other',
      metrics: { clock: new ManualClock() },
    });
    expect(() => registry.get('other')).toThrow(
      new RangeError(
        '@dyno/metrics: "other" is the name of the overflow entry (option `overflowName`); choose another',
      ),
    );
    registry.get('a');
    expect(registry.get('b').name).toBe('other');
    expect(() => registry.get('other')).toThrow(RangeError);
    expect([...registry].map((m) => m.name)).toEqual(['a', 'other']); // one entry of that name
    // without an overflow entry the name is free
    const plain = new MetricsRegistry({
      overflowName: 'other',
      metrics: { clock: new ManualClock() },
    });
    expect(plain.get('other').name).toBe('other');
  });

  it("counts every new name past the bound in one shared entry with whenFull: 'overflow'", () => {
    const registry = new MetricsRegistry({
      maxSize: 2,
      whenFull: 'overflow',
      metrics: { clock: new ManualClock() },
    });
    const added: string[] = [];
    registry.onAdd((e) => added.push(`${e.name}:${e.metrics.name}`));
    registry.get('a').record('success');
    registry.get('b');
    const c = registry.get('tenant-c');
    const d = registry.get('tenant-d');
    expect(c).toBe(d);
    expect(c.name).toBe('dyno.overflow');
    c.record('failure');
    d.record('failure');
    expect(registry.has('tenant-c')).toBe(false);
    expect(registry.size).toBe(2);
    expect(registry.dropped).toBe(2);
    expect(added).toEqual(['a:a', 'b:b', 'dyno.overflow:dyno.overflow']);
    expect([...registry].map((m) => m.name)).toEqual(['a', 'b', 'dyno.overflow']);
    expect(registry.snapshot().at(-1)?.counts.failure).toBe(2);
    const named = new MetricsRegistry({ maxSize: 1, whenFull: 'overflow', overflowName: 'other' });
    named.get('x');
    expect(named.get('y').name).toBe('other');
    registry.dispose();
    expect(c.disposed).toBe(true);
  });

  it('deletes a name and disposes its Metrics', () => {
    const registry = new MetricsRegistry();
    const a = registry.get('a');
    expect(registry.delete('a')).toBe(true);
    expect(registry.delete('a')).toBe(false);
    expect(a.disposed).toBe(true);
  });

  it('replaces an entry its holder disposed, and skips it in snapshot() (it counted nothing for good)', () => {
    const registry = new MetricsRegistry({ maxSize: 2, whenFull: 'overflow' });
    registry.get('a').record('success');
    const b = registry.get('b');
    b.dispose(); // say, `using b = registry.get('b')` in a function
    expect(registry.snapshot().map((s) => s.name)).toEqual(['a']);
    const again = registry.get('b');
    expect(again).not.toBe(b);
    again.record('success');
    expect(registry.snapshot().map((s) => [s.name, s.totals.success])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    // the shared overflow entry too
    registry.get('c').dispose();
    registry.get('d').record('failure');
    expect(registry.snapshot().at(-1)).toMatchObject({
      name: 'dyno.overflow',
      totals: { failure: 1 },
    });
    expect(registry.size).toBe(2);
  });

  it('disposes every entry on dispose and fails fast afterwards', () => {
    const registry = new MetricsRegistry();
    const a = registry.get('a');
    registry.dispose();
    registry[Symbol.dispose]();
    expect(a.disposed).toBe(true);
    expect(registry.size).toBe(0);
    expect(() => registry.get('a')).toThrow(DisposedError);
    expect(() => registry.snapshot()).toThrow(DisposedError);
  });

  it.each([
    [
      { maxSize: 0 },
      RangeError,
      '@dyno/metrics: option `maxSize` must be an integer from 1 to 1000000; received 0',
    ],
    [
      { whenFull: 'drop' },
      RangeError,
      'option `whenFull` must be one of "throw", "evict-idle", "overflow"; received "drop"',
    ],
    [{ metrics: { window: -1 } }, RangeError, 'option `window`'],
    [{ metrics: { name: 'x' } }, TypeError, '@dyno/metrics: option `metrics.name` is not allowed'],
    [{ size: 3 }, TypeError, 'unknown option `size`'],
  ])('rejects %j', (options, Kind, message) => {
    expect(() => new MetricsRegistry(options as never)).toThrow(Kind);
    expect(() => new MetricsRegistry(options as never)).toThrow(message);
  });
});
