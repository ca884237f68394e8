import { DisposedError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { Cache } from './cache.js';
import { CacheTimeoutError } from './errors.js';
import type { LoadEvent, StaleEvent } from './events.js';

const hung = () => new Promise<string>(() => {});

function setup(options: ConstructorParameters<typeof Cache>[0] = {}) {
  const clock = new ManualClock(1000);
  const cache = new Cache<string>({ clock, ...options });
  const stale: StaleEvent[] = [];
  const loads: LoadEvent[] = [];
  cache.onStale((e) => stale.push(e));
  cache.onLoad((e) => loads.push(e));
  return { clock, cache, stale, loads };
}

describe('bounded loads', () => {
  it('regression: a hung early refresh serves the old value no longer than maxStale', async () => {
    const always = { kind: 'always', shouldRefresh: () => true };
    const { cache, clock } = setup({ ttl: 100, refresh: always, maxStale: 50 });
    await cache.get('k', () => 'old');
    await expect(cache.get('k', hung)).resolves.toBe('old'); // starts a refresh that hangs
    clock.set(1000 + 140);
    await expect(cache.get('k', hung)).resolves.toBe('old');
    clock.set(1000 + 150);
    let settled = false;
    const waiting = cache.get('k', hung).finally(() => {
      settled = true;
    });
    await clock.advance(0);
    expect(settled).toBe(false); // waits for the load instead of an ever older value
    cache.dispose();
    // disposing lets the hung load go, even though its loader ignores its signal
    await expect(waiting).rejects.toBeInstanceOf(DisposedError);
  });

  it('gives up a load after hardTimeout: callers reject, the signal aborts, late results drop', async () => {
    const { cache, clock, loads } = setup({ hardTimeout: 100 });
    let signal: AbortSignal | undefined;
    let finish!: (v: string) => void;
    const pending = cache.get('k', (ctx) => {
      signal = ctx.signal;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    });
    const rejected = expect(pending).rejects.toThrow('@dyno/cache: loading "k" took over 100 ms');
    await clock.advance(100);
    await rejected;
    await expect(pending).rejects.toBeInstanceOf(CacheTimeoutError);
    expect(signal?.reason).toBeInstanceOf(CacheTimeoutError);
    expect(cache.loading).toBe(0);
    expect(loads).toEqual([
      { name: cache.name, key: 'k', duration: 100, outcome: 'timeout', background: false },
    ]);
    finish('late');
    await clock.advance(0);
    await expect(cache.peek('k')).resolves.toBeUndefined();
    await expect(cache.get('k', () => 'next')).resolves.toBe('next');
  });

  it('serves the previous value after softTimeout and stores the load when it lands', async () => {
    const { cache, clock, stale } = setup({
      ttl: 100,
      refresh: false,
      softTimeout: 20,
      staleIfError: 1000,
    });
    await cache.get('k', () => 'old');
    clock.set(1000 + 200);
    let finish!: (v: string) => void;
    const loader = () =>
      new Promise<string>((resolve) => {
        finish = resolve;
      });
    const pending = cache.get('k', loader);
    await clock.advance(20);
    await expect(pending).resolves.toBe('old');
    expect(stale).toEqual([{ name: cache.name, key: 'k', reason: 'timeout', age: 120 }]);
    finish('new');
    await clock.advance(0);
    await expect(cache.peek('k')).resolves.toBe('new');
    expect(clock.pending).toBe(0);
  });

  it('regression: forceRefresh after a soft timeout loads, instead of answering the previous value', async () => {
    const { cache, clock } = setup({
      ttl: 100,
      refresh: false,
      softTimeout: 20,
      staleIfError: 1000,
    });
    await cache.get('k', () => 'old');
    clock.set(1000 + 200);
    let finish!: (v: string) => void;
    const slow = cache.get(
      'k',
      () =>
        new Promise<string>((resolve) => {
          finish = resolve;
        }),
    );
    await clock.advance(20);
    await expect(slow).resolves.toBe('old');
    // the forced call joined that load, whose answer was already the old value: it got 'old' at
    // once and no load started
    const loader = jest.fn(() => 'forced');
    await expect(cache.get('k', loader, { forceRefresh: true })).resolves.toBe('forced');
    expect(loader).toHaveBeenCalledTimes(1);
    await expect(cache.peek('k')).resolves.toBe('forced');
    // the older load, landing last, writes nothing over it
    finish('late');
    await clock.advance(0);
    await expect(cache.peek('k')).resolves.toBe('forced');
  });

  it('serves stale-if-error after a hard timeout, and validates the timeouts', async () => {
    const { cache, clock, stale } = setup({
      ttl: 100,
      refresh: false,
      staleIfError: 500,
      hardTimeout: 30,
    });
    await cache.get('k', () => 'old');
    clock.set(1000 + 150);
    const pending = cache.get('k', hung);
    await clock.advance(30);
    await expect(pending).resolves.toBe('old');
    expect(stale.map((e) => e.reason)).toEqual(['error']);
    expect(() => new Cache({ hardTimeout: 0 })).toThrow(
      '@dyno/cache: option `hardTimeout` must be a duration in ms greater than 0 to 2147483647; received 0',
    );
    expect(() => new Cache({ softTimeout: Number.NaN })).toThrow(RangeError);
    expect(() => new Cache({ maxStale: -1 })).toThrow(RangeError);
  });

  it('emits load events with durations and outcomes, built only for listeners', async () => {
    const { cache, loads } = setup();
    await cache.get('a', () => 'x');
    await expect(cache.get('b', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(loads.map((e) => `${e.key}:${e.outcome}:${e.background}`)).toEqual([
      'a:success:false',
      'b:failure:false',
    ]);
  });
});
