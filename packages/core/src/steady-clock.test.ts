import { systemClock } from './clock.js';
import { steadyClock } from './steady-clock.js';
import { FailingClock, listenerReports, OddClock } from './testing/faults.js';

const DAY = 86_400_000;

describe('steadyClock', () => {
  it('is the system clock itself for the system clock, and a steady clock itself for one', () => {
    expect(steadyClock(systemClock, '@dyno/x')).toBe(systemClock);
    const steady = steadyClock(new OddClock(), '@dyno/x');
    expect(steadyClock(steady, '@dyno/y')).toBe(steady);
  });

  it('keeps a clock that says it is steady as it is, and reads nothing of it', () => {
    const clock = new OddClock(1_000);
    let reads = 0;
    const over = {
      now: () => {
        reads++;
        return clock.now();
      },
      setTimeout: clock.setTimeout.bind(clock),
      clearTimeout: clock.clearTimeout.bind(clock),
      steady: true,
    };
    expect(steadyClock(over, '@dyno/x')).toBe(over);
    expect(reads).toBe(0);
    // one that does not say so, or whose `steady` cannot be read, is wrapped and read once
    expect(steadyClock({ ...over, steady: false }, '@dyno/x')).not.toBe(over);
    const hostile = Object.defineProperty({ ...over }, 'steady', {
      get: () => {
        throw new Error('no');
      },
    });
    expect(steadyClock(hostile, '@dyno/x')).not.toBe(hostile);
    expect(reads).toBe(2);
    expect(steadyClock(over, '@dyno/x').steady).toBe(true);
    expect(steadyClock({ ...over, steady: false }, '@dyno/x').steady).toBe(true);
  });

  it('follows a good clock, negative readings included, and uses its timers', async () => {
    const clock = new OddClock(-50);
    const steady = steadyClock(clock, '@dyno/x');
    expect(steady.now()).toBe(-50);
    const fired: number[] = [];
    steady.setTimeout(() => fired.push(1), 10);
    steady.clearTimeout(steady.setTimeout(() => fired.push(2), 5));
    await clock.advance(10);
    expect(fired).toEqual([1]);
    expect(steady.now()).toBe(-40);
  });

  it('counts a step back as no time passed and goes on at the clock pace from there', async () => {
    const clock = new OddClock(1_000);
    const steady = steadyClock(clock, '@dyno/x');
    expect(steady.now()).toBe(1_000);
    clock.read = (t) => t - 86_400_000;
    expect(steady.now()).toBe(1_000);
    await clock.advance(250);
    expect(steady.now()).toBe(1_250);
    clock.read = undefined; // stepped forward again, past where it stepped back from
    expect(steady.now()).toBe(1_250);
    await clock.advance(50);
    expect(steady.now()).toBe(1_300);
    clock.set(86_400_000); // a jump forwards that undoes no step back is time
    expect(steady.now()).toBe(86_400_000);
  });

  it('takes a step back undone as no time, not a day fast per pair of flips', async () => {
    // two time sources a day apart answering in turn (a clock read from two hosts, a wall clock
    // whose correction keeps being undone): each return to the one ahead was taken as a jump
    // forwards, so every pair of readings put the clock a day further ahead
    const clock = new OddClock(5_000);
    const steady = steadyClock(clock, '@dyno/x');
    let reads = 0;
    clock.read = (t) => (reads++ % 2 === 0 ? t : t - DAY);
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) {
      answers.push(steady.now());
      await clock.advance(10);
    }
    expect(answers).toEqual([5_000, 5_000, 5_020, 5_020, 5_040, 5_040]);
  });

  it('takes the first jump of a clock that begins on the source behind as time, once', async () => {
    const clock = new OddClock(DAY + 5_000);
    clock.read = (t) => t - DAY;
    const steady = steadyClock(clock, '@dyno/x');
    let reads = 0;
    clock.read = (t) => (reads++ % 2 === 0 ? t : t - DAY);
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) {
      answers.push(steady.now());
      await clock.advance(10);
    }
    // a jump forwards cannot be told from time that passed; the flips after it can
    expect(answers).toEqual([
      DAY + 5_000,
      DAY + 5_000,
      DAY + 5_020,
      DAY + 5_020,
      DAY + 5_040,
      DAY + 5_040,
    ]);
  });

  it('keeps the time a stepped-back clock was read to when it is back where it stood', async () => {
    const clock = new OddClock(1_000);
    const steady = steadyClock(clock, '@dyno/x');
    clock.read = (t) => t - 500; // set back 500 ms, then left to run
    expect(steady.now()).toBe(1_000);
    await clock.advance(450);
    expect(steady.now()).toBe(1_450);
    // back past where it stood: the 50 ms since the last reading count from there on (it cannot
    // be told from a flip back), and what was read is kept
    await clock.advance(100);
    expect(steady.now()).toBe(1_450);
    await clock.advance(100);
    expect(steady.now()).toBe(1_550);
  });

  it.each([
    ['NaN', Number.NaN],
    ['undefined', undefined],
    ['a string', '5'],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('stands still on a reading of %s, reporting a run of them once', async (_, reading) => {
    const clock = new OddClock(100);
    const steady = steadyClock(clock, '@dyno/x', 'n');
    steady.now();
    const reports = await listenerReports(async () => {
      clock.read = () => reading;
      await clock.advance(10);
      expect([steady.now(), steady.now()]).toEqual([100, 100]);
      clock.read = undefined;
      expect(steady.now()).toBe(110);
      clock.read = () => reading;
      expect(steady.now()).toBe(110);
    });
    expect(reports.map((r) => r.source)).toEqual(['@dyno/x "n" clock', '@dyno/x "n" clock']);
    expect(String(reports[0]?.error)).toMatch(
      /^TypeError: @dyno\/x "n" clock: now\(\) must return a finite number of ms; received /,
    );
  });

  it('stands still on a throw, reporting it', async () => {
    const clock = new FailingClock(30);
    const steady = steadyClock(clock, '@dyno/y');
    const reports = await listenerReports(async () => {
      clock.failing = true;
      await clock.advance(5);
      expect(steady.now()).toBe(30);
      clock.failing = false;
      expect(steady.now()).toBe(35);
    });
    expect(reports).toEqual([{ error: 'clock broken', source: '@dyno/y clock' }]);
  });

  it('refuses at once, naming the option, a clock that throws or reads no finite number', () => {
    const failing = new FailingClock();
    failing.failing = true;
    let refused: unknown;
    try {
      steadyClock(failing, '@dyno/x');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused).toMatchObject({
      message:
        '@dyno/x: option `clock` must read the time, but its now() failed: thrown "clock broken"',
      cause: 'clock broken',
    });
    const unbound = { now: performance.now, setTimeout, clearTimeout };
    expect(() => steadyClock(unbound, '@dyno/x')).toThrow(
      /^@dyno\/x: option `clock` must read the time, but its now\(\) failed: .*\(a `now` taken off its object must be bound to it\)$/,
    );
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const revoked = new FailingClock();
    revoked.failing = true;
    revoked.failure = proxy;
    expect(() => steadyClock(revoked, '@dyno/x')).toThrow(
      '@dyno/x: option `clock` must read the time, but its now() failed: thrown an object',
    );
    const odd = new OddClock();
    odd.read = () => '5';
    expect(() => steadyClock(odd, '@dyno/x', 'n')).toThrow(
      new TypeError(
        '@dyno/x: option `clock` must have a now() that returns a finite number of ms; it returned "5"',
      ),
    );
  });
});
