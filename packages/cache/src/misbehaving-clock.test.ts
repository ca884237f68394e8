import { listenerReports, OddClock } from '@dyno/core/testing';
import { Cache } from './cache.js';

// A clock of the user's that misbehaves after the cache was built: the cache reads it through
// core's `steadyClock`, so a bad reading or a step back counts as no time passed.
describe('Cache on a clock that misbehaves', () => {
  it('keeps serving a fresh value, not a load per call, while now() reads NaN', async () => {
    const clock = new OddClock(1_000);
    const cache = new Cache<number>({ clock, ttl: 1_000 });
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('k', load);
    clock.read = () => Number.NaN;
    const seen: number[] = [];
    await listenerReports(async () => {
      for (let i = 0; i < 3; i++) seen.push(await cache.get('k', load));
    });
    expect(seen).toEqual([1, 1, 1]);
    expect(loads).toBe(1);
  });

  it('expires a value ttl after it was stored, not a day later, when the clock steps back a day', async () => {
    const clock = new OddClock(1_000);
    const cache = new Cache<number>({ clock, ttl: 1_000 });
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('k', load);
    clock.read = (t) => t - 86_400_000;
    expect(await cache.get('k', load)).toBe(1);
    await clock.advance(1_500);
    expect(await cache.get('k', load)).toBe(2);
    expect(loads).toBe(2);
  });

  it('refuses at construction a clock whose now() reads no time', () => {
    const clock = new OddClock();
    clock.read = () => '5';
    expect(() => new Cache({ clock })).toThrow(
      new TypeError(
        '@dyno/cache: option `clock` must have a now() that returns a finite number of ms; it returned "5"',
      ),
    );
  });
});
