import { ManualClock } from '@dyno/core/testing';
import fc from 'fast-check';
import { formatTime } from './internal/format.js';
import { PerfTimer } from './perf-timer.js';

describe('formatTime', () => {
  it.each([
    [2500, '2.500 S'],
    [1000, '1.000 S'],
    [12.3456, '12.346 mS'],
    [1, '1.000 mS'],
    [0.25, '250.000 uS'],
    [0.001, '1.000 uS'],
    [0.0000425, '42.500 nS'],
    [0.000001, '1.000 nS'],
    [-3, '-3.000 mS'],
  ])('shows %p ms as %p', (ms, text) => {
    expect(formatTime(ms)).toBe(text);
  });

  it('shows zero instead of failing (seed bug)', () => {
    expect(formatTime(0)).toBe('0.000 nS');
    expect(formatTime(-0)).toBe('0.000 nS');
  });

  it('shows sub-nanosecond values in nS instead of failing (seed bug)', () => {
    expect(formatTime(0.0000004)).toBe('0.400 nS');
    expect(formatTime(1e-12)).toBe('0.000 nS');
  });

  it('moves to the larger unit when rounding reaches 1000 of a unit', () => {
    expect(formatTime(0.9999996)).toBe('1.000 mS');
    expect(formatTime(999.9996)).toBe('1.000 S');
  });

  it('shows non-finite values as they are', () => {
    expect(formatTime(Number.NaN)).toBe('NaN');
  });
});

describe('PerfTimer.timeline', () => {
  it('shows starts, marks and stops in time order, indented by tree depth', () => {
    const clock = new ManualClock(500);
    const root = new PerfTimer('request', { clock }).start();
    clock.set(501);
    const db = root.time('db');
    clock.set(501.5);
    db.mark('connected');
    clock.set(503);
    db.stop();
    clock.set(505);
    root.stop();
    expect(root.timeline()).toBe(
      [
        '+ 0.000 nS request',
        '| + 1.000 mS db',
        '| | - 1.500 mS connected',
        '| = 3.000 mS db (2.000 mS)',
        '= 5.000 mS request (5.000 mS)',
      ].join('\n'),
    );
    expect(String(root)).toBe(root.timeline());
  });

  it('indents by the tree, not by time order, when siblings overlap (seed bug)', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('page', { clock }).start();
    const a = root.time('a');
    clock.set(1);
    const b = root.time('b');
    clock.set(2);
    const a1 = a.time('a1');
    clock.set(3);
    a.stop();
    clock.set(4);
    b.stop();
    expect(a1.state).toBe('running');
    expect(root.timeline()).toBe(
      [
        '+ 0.000 nS page',
        '| + 0.000 nS a',
        '| + 1.000 mS b',
        '| | + 2.000 mS a1',
        '| = 3.000 mS a (3.000 mS)',
        '| = 4.000 mS b (3.000 mS)',
      ].join('\n'),
    );
  });

  it('keeps the tree order for identical timestamps (seed bug)', () => {
    const clock = new ManualClock(7);
    const root = new PerfTimer('r', { clock }).start();
    const a = root.time('a');
    a.mark('m');
    a.stop();
    root.time('b').stop();
    root.stop();
    expect(root.timeline()).toBe(
      [
        '+ 0.000 nS r',
        '| + 0.000 nS a',
        '| | - 0.000 nS m',
        '| = 0.000 nS a (0.000 nS)',
        '| + 0.000 nS b',
        '| = 0.000 nS b (0.000 nS)',
        '= 0.000 nS r (0.000 nS)',
      ].join('\n'),
    );
  });

  it('leaves out timers never started but keeps their children (seed bug)', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('root', { clock });
    const never = root.interval('never');
    clock.set(2);
    never.mark('inside');
    expect(root.timeline()).toBe('| | - 0.000 nS inside');
    expect(new PerfTimer('empty', { clock }).timeline()).toBe('');
  });

  it('measures offsets from a subtree when asked on a child', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('root', { clock }).start();
    clock.set(10);
    const child = root.time('child');
    clock.set(10.000002);
    child.stop();
    expect(child.timeline()).toBe('+ 0.000 nS child\n= 2.000 nS child (2.000 nS)');
  });

  it('adds CPU time to stop lines when recorded', () => {
    const clock = new ManualClock();
    const spy = jest
      .spyOn(process, 'cpuUsage')
      .mockReturnValueOnce({ user: 0, system: 0 })
      .mockReturnValueOnce({ user: 1200, system: 300 });
    try {
      const root = new PerfTimer('work', { clock, cpu: true }).start();
      clock.set(2);
      root.stop();
      expect(root.timeline()).toBe('+ 0.000 nS work\n= 2.000 mS work (2.000 mS, cpu 1.500 mS)');
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps control characters in names from breaking lines', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('a\nb\u007f', { clock }).start();
    expect(root.timeline()).toBe('+ 0.000 nS a?b?');
  });

  it('has one line per event, in time order, indented by depth (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.nat(5), fc.boolean()), { minLength: 1, maxLength: 20 }),
        (steps) => {
          const clock = new ManualClock();
          const root = new PerfTimer('root', { clock }).start();
          const open: PerfTimer[] = [root];
          let events = 1;
          for (const [pick, wait, isMark] of steps) {
            clock.set(clock.now() + wait);
            const parent = open[pick % open.length] as PerfTimer;
            if (isMark) parent.mark('m');
            else open.push(parent.time('t'));
            events++;
          }
          for (const t of open.slice(1)) {
            if (t.startTime !== undefined && clock.now() % 2 === 0) {
              t.stop();
              events++;
            }
          }
          const lines = root.timeline().split('\n');
          expect(lines).toHaveLength(events);
          for (const line of lines) expect(line).toMatch(/^(\| )*[+=-] \d+\.\d{3} [mun]?S \w+/);
          const byName = [...root.walk()];
          expect(byName.length).toBe(root.size);
        },
      ),
      { numRuns: 100 },
    );
  });
});
