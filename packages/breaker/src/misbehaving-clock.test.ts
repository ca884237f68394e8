import { FailingClock, listenerReports, OddClock } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError } from './errors.js';
import { Fuse } from './fuse.js';
import { fail } from './test-support/deferred.js';

const DAY = 86_400_000;

const BAD_READINGS = [
  ['NaN', () => Number.NaN],
  ['undefined', () => undefined],
  ['a string', () => '5'],
  ['Infinity', () => Number.POSITIVE_INFINITY],
] as const;

function breakerOn(clock: OddClock | FailingClock, kind: 'count' | 'time' = 'count') {
  return new CircuitBreaker({
    name: 'db',
    clock,
    openDuration: 1_000,
    strategy:
      kind === 'count'
        ? { kind: 'consecutive-failures', failures: 1 }
        : { kind: 'time-window', window: 10_000, minimumCalls: 2, threshold: 0.5 },
  });
}

describe('CircuitBreaker on a clock that misbehaves', () => {
  it('is refused at construction, naming the option, when its now() cannot read the time', () => {
    const unbound = { now: performance.now, setTimeout, clearTimeout };
    const odd = new OddClock();
    odd.read = () => '5';
    for (const clock of [unbound, odd]) {
      expect(() => new CircuitBreaker({ clock })).toThrow(/^@dyno\/breaker: option `clock` must /);
      expect(() => new Fuse({ clock })).toThrow(TypeError);
    }
  });

  it.each(BAD_READINGS)(
    'half-opens once openDuration has passed when the clock read %s at the trip',
    async (_, read) => {
      for (const kind of ['count', 'time'] as const) {
        const clock = new OddClock(5_000);
        const breaker = breakerOn(clock, kind);
        await listenerReports(async () => {
          clock.read = read;
          await breaker.execute(fail).catch(() => {});
          await breaker.execute(fail).catch(() => {});
          clock.read = undefined;
          expect(breaker.state).toBe('open');
          await clock.advance(999);
          expect(breaker.state).toBe('open');
          await clock.advance(1);
          expect(breaker.state).toBe('half-open');
        });
      }
    },
  );

  it('half-opens after openDuration, not a day later, when the clock steps back a day while open', async () => {
    const clock = new OddClock(2 * DAY);
    const breaker = breakerOn(clock);
    await breaker.execute(fail).catch(() => {});
    clock.read = (t) => t - DAY;
    expect(breaker.state).toBe('open');
    await clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
  });

  it('rejects while open, and never throws from execute or state, when its clock throws', async () => {
    const clock = new FailingClock();
    const breaker = breakerOn(clock);
    await breaker.execute(fail).catch(() => {});
    const reports = await listenerReports(async () => {
      clock.failing = true;
      let refused: unknown;
      expect(() => {
        refused = breaker.execute(() => 1);
      }).not.toThrow();
      await expect(refused).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(breaker.state).toBe('open');
      clock.failing = false;
      await clock.advance(1_000);
      expect(breaker.state).toBe('half-open');
    });
    expect(reports.map((r) => r.source)).toEqual(['@dyno/breaker clock']);
  });
});

describe('Fuse on a clock that misbehaves', () => {
  it('ends a break for 1 s after 1 s when the clock read NaN at the trigger', async () => {
    const clock = new OddClock(5_000);
    const fuse = new Fuse({ name: 'f', clock });
    const reports = await listenerReports(async () => {
      clock.read = () => Number.NaN;
      fuse.trigger('maintenance', { for: 1_000 });
      clock.read = undefined;
      expect(fuse.isBroken).toBe(true);
      await clock.advance(999);
      expect(fuse.isBroken).toBe(true);
      await clock.advance(1);
      expect(fuse.isBroken).toBe(false);
    });
    expect(reports.map((r) => r.source)).toEqual(['@dyno/breaker "f" clock']);
  });

  it('ends a break for 1 s after 1 s, not a day later, when the clock steps back a day', async () => {
    const clock = new OddClock(2 * DAY);
    const fuse = new Fuse({ clock });
    fuse.trigger('maintenance', { for: 1_000 });
    clock.read = (t) => t - DAY;
    expect(fuse.isBroken).toBe(true);
    await clock.advance(1_000);
    expect(fuse.isBroken).toBe(false);
  });
});
