import { ManualClock } from './manual-clock.js';
import { seededRandom } from './seeded-random.js';

describe('ManualClock', () => {
  it('fires due timers in time order, ties in the order they were set', async () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push('late'), 31);
    await clock.advance(30);
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.now()).toBe(1030);
    expect(clock.pending).toBe(1);
    expect(clock.nextDue).toBe(1031);
  });

  it('runs promise callbacks between timers', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const wait = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
    const chain = (async () => {
      await wait(10);
      seen.push(clock.now());
      await wait(10);
      seen.push(clock.now());
    })();
    await clock.advance(25);
    await chain;
    expect(seen).toEqual([10, 20]);
  });

  it('does not fire cleared timers', async () => {
    const clock = new ManualClock();
    const f = jest.fn();
    const h = clock.setTimeout(f, 5);
    clock.clearTimeout(h);
    clock.clearTimeout('unknown');
    await clock.advance(10);
    expect(f).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it('fires a zero or invalid delay on the next advance', async () => {
    const clock = new ManualClock();
    const f = jest.fn();
    clock.setTimeout(f, 0);
    clock.setTimeout(f, Number.NaN);
    await clock.advance(0);
    expect(f).toHaveBeenCalledTimes(2);
  });

  it('runAll advances until nothing is pending and refuses to loop forever', async () => {
    const clock = new ManualClock();
    clock.setTimeout(() => clock.setTimeout(() => {}, 50), 50);
    await clock.runAll();
    expect(clock.now()).toBe(100);
    const loop = (): unknown => clock.setTimeout(loop, 1);
    loop();
    await expect(clock.runAll(100)).rejects.toThrow(RangeError);
  });

  it('set moves time forward only', () => {
    const clock = new ManualClock();
    clock.set(50);
    expect(clock.now()).toBe(50);
    expect(() => clock.set(10)).toThrow(RangeError);
    expect(() => new ManualClock(Number.NaN)).toThrow(RangeError);
  });

  it('never moves time back when advance or set is called from inside a timer', async () => {
    const clock = new ManualClock();
    const readings: number[] = [];
    let inner: Promise<void> | undefined;
    clock.setTimeout(() => {
      readings.push(clock.now());
      inner = clock.advance(100);
    }, 5);
    clock.setTimeout(() => readings.push(clock.now()), 50);
    await clock.advance(10);
    await inner;
    readings.push(clock.now());
    expect(readings).toEqual([5, 50, 105]);
    clock.setTimeout(() => clock.set(500), 1);
    await clock.advance(10);
    expect(clock.now()).toBe(500);
    await clock.advance(1);
    expect(clock.now()).toBe(501);
  });

  it('rejects a negative advance', async () => {
    await expect(new ManualClock().advance(-1)).rejects.toThrow(RangeError);
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(xs[0]);
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(m).toBeGreaterThan(0.45);
    expect(m).toBeLessThan(0.55);
  });
});

describe('ManualClock with fractional times', () => {
  it('runAll fires timers whose due time does not round-trip through subtraction', async () => {
    const clock = new ManualClock();
    let fired = 0;
    const chain = async () => {
      for (let i = 0; i < 50; i++) {
        await new Promise<void>((r) => clock.setTimeout(r, 0.1 * ((i % 7) + 1)));
        fired++;
      }
    };
    const done = chain();
    await clock.runAll();
    await done;
    expect(fired).toBe(50);
  });
});
