import { ManualClock } from '@dyno/core/testing';
import { TimerStateError } from './errors.js';
import { Mark, PerfTimer } from './perf-timer.js';

function setup() {
  const clock = new ManualClock(1000);
  const root = new PerfTimer('request', { clock, epoch: 1_700_000_000_000 });
  return { clock, root };
}

describe('PerfTimer', () => {
  it('measures an interval on the clock', () => {
    const { clock, root } = setup();
    expect(root.state).toBe('idle');
    expect(root.duration).toBeUndefined();
    root.start();
    clock.set(1010);
    expect(root.state).toBe('running');
    expect(root.duration).toBe(10);
    clock.set(1025);
    root.stop();
    clock.set(2000);
    expect(root.state).toBe('stopped');
    expect(root.startTime).toBe(1000);
    expect(root.endTime).toBe(1025);
    expect(root.duration).toBe(25);
  });

  it('makes a new child per call, intervals and marks, sharing the clock', () => {
    const { clock, root } = setup();
    const a = root.interval('db');
    const b = root.interval('db');
    clock.set(1005);
    const m = root.mark('cache-miss');
    expect(a).not.toBe(b);
    expect(a.parent).toBe(root);
    expect(a.depth).toBe(1);
    expect(m).toBeInstanceOf(Mark);
    expect(m.time).toBe(1005);
    expect(m.depth).toBe(1);
    expect(root.children).toEqual([a, b, m]);
    expect(a.epoch).toBe(root.epoch);
  });

  it('stops a scoped interval at the end of a `using` block', () => {
    const { clock, root } = setup();
    let db: PerfTimer | undefined;
    {
      using scoped = root.time('db');
      db = scoped;
      clock.set(1003);
    }
    expect(db.state).toBe('stopped');
    expect(db.duration).toBe(3);
  });

  it('does not throw from `using` when the interval was already stopped or never started', () => {
    const { root } = setup();
    const idle = root.interval('idle');
    expect(() => {
      using stopped = root.time('x');
      stopped.stop();
    }).not.toThrow();
    idle[Symbol.dispose]();
    expect(idle.state).toBe('idle');
  });

  it('walks the tree in pre-order and counts its nodes', () => {
    const { root } = setup();
    const a = root.interval('a');
    const a1 = a.interval('a1');
    const am = a1.mark('a1-mark');
    const b = root.interval('b');
    const m = root.mark('m');
    const order = [...root.walk()];
    expect(order).toHaveLength(6);
    for (const [i, node] of [root, a, a1, am, b, m].entries()) expect(order[i]).toBe(node);
    expect([...a.walk()].map((n) => n.name)).toEqual(['a', 'a1', 'a1-mark']);
    expect(root.size).toBe(6);
    expect(a.size).toBe(3);
    expect(b.size).toBe(1);
  });

  it('refuses to start twice, to stop before starting and to stop twice', () => {
    const { root } = setup();
    expect(() => root.stop()).toThrow(
      new TimerStateError('@dyno/timing: timer "request" has not been started', 'request'),
    );
    root.start();
    let caught: unknown;
    try {
      root.start();
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'DYNO_TIMER_STATE',
      source: 'request',
      message: '@dyno/timing: timer "request" has already been started',
    });
    expect(TimerStateError.isInstance(caught)).toBe(true);
    root.stop();
    expect(() => root.stop()).toThrow('@dyno/timing: timer "request" has already been stopped');
  });

  it('gives a plain JSON form with times anchored to the epoch', () => {
    const { clock, root } = setup();
    root.start();
    const db = root.time('db');
    clock.set(1002);
    root.mark('row');
    clock.set(1004.5);
    db.stop();
    root.interval('never');
    const running = root.time('running');
    clock.set(1010);
    expect(JSON.parse(JSON.stringify(root))).toEqual({
      kind: 'interval',
      name: 'request',
      start: 1_700_000_001_000,
      end: null,
      duration: 10,
      children: [
        {
          kind: 'interval',
          name: 'db',
          start: 1_700_000_001_000,
          end: 1_700_000_001_004.5,
          duration: 4.5,
          children: [],
        },
        { kind: 'mark', name: 'row', time: 1_700_000_001_002 },
        { kind: 'interval', name: 'never', start: null, end: null, duration: null, children: [] },
        {
          kind: 'interval',
          name: 'running',
          start: 1_700_000_001_004.5,
          end: null,
          duration: 5.5,
          children: [],
        },
      ],
    });
    expect(running.state).toBe('running');
  });

  it('anchors to performance.timeOrigin and reads performance.now() by default', () => {
    const timer = new PerfTimer('default').start();
    const json = timer.toJSON();
    expect(timer.epoch).toBe(performance.timeOrigin);
    expect(Math.abs((json.start as number) - Date.now())).toBeLessThan(1000);
    expect(timer.duration).toBeGreaterThanOrEqual(0);
  });

  it('records the process CPU time over an interval when asked', () => {
    const { clock } = setup();
    const spy = jest
      .spyOn(process, 'cpuUsage')
      .mockImplementationOnce(() => ({ user: 100, system: 50 }))
      .mockImplementationOnce((previous) => {
        expect(previous).toEqual({ user: 100, system: 50 });
        return { user: 1500, system: 250 };
      });
    try {
      const timer = new PerfTimer('cpu', { clock, cpu: true }).start();
      const child = timer.interval('child');
      expect(timer.cpu).toBeUndefined();
      timer.stop();
      expect(timer.cpu).toEqual({ user: 1500, system: 250 });
      expect(timer.toJSON().cpu).toEqual({ user: 1500, system: 250 });
      expect(child.cpu).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });

  it('measures real CPU time with process.cpuUsage', () => {
    const timer = new PerfTimer('spin', { cpu: true }).start();
    let x = 0;
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    timer.stop();
    expect(x).toBeGreaterThan(0);
    expect(timer.cpu?.user).toBeGreaterThanOrEqual(0);
    expect(timer.cpu?.system).toBeGreaterThanOrEqual(0);
  });

  it('refuses CPU recording where process.cpuUsage is missing', () => {
    const original = process.cpuUsage;
    Object.defineProperty(process, 'cpuUsage', { value: undefined, configurable: true });
    try {
      expect(() => new PerfTimer('x', { cpu: true })).toThrow(
        new TypeError('@dyno/timing: option `cpu` needs process.cpuUsage(), which is missing here'),
      );
      expect(() => new PerfTimer('x')).not.toThrow();
    } finally {
      Object.defineProperty(process, 'cpuUsage', { value: original, configurable: true });
    }
  });

  it('rejects bad names and options with clear errors', () => {
    const { root } = setup();
    expect(() => new PerfTimer('')).toThrow(
      new RangeError('@dyno/timing: option `name` must be a non-empty string; received ""'),
    );
    expect(() => new PerfTimer(undefined as never)).toThrow(TypeError);
    expect(() => root.interval(42 as never)).toThrow(
      new TypeError('@dyno/timing: option `name` must be a non-empty string; received 42'),
    );
    expect(() => root.mark('')).toThrow(RangeError);
    expect(() => root.time(null as never)).toThrow(TypeError);
    expect(root.children).toEqual([]);
    expect(() => new PerfTimer('x', { clock: { time: () => 0 } as never })).toThrow(
      new TypeError(
        '@dyno/timing: option `clock` must be a clock (an object with a `now` function); received an object',
      ),
    );
    expect(() => new PerfTimer('x', { clock: null as never })).toThrow(TypeError);
    expect(() => new PerfTimer('x', { epoch: Number.NaN })).toThrow(RangeError);
    expect(() => new PerfTimer('x', { epoch: -1 })).toThrow(RangeError);
    expect(() => new PerfTimer('x', { cpu: 'yes' as never })).toThrow(
      new TypeError('@dyno/timing: option `cpu` must be a boolean; received "yes"'),
    );
    expect(() => new PerfTimer('x', { clok: 1 } as never)).toThrow(
      new TypeError('@dyno/timing: unknown option `clok` (known: clock, epoch, cpu)'),
    );
    expect(() => new PerfTimer('x', 'fast' as never)).toThrow(TypeError);
  });

  it('accepts a clock with only now(), as only now() is read', () => {
    let t = 5;
    const timer = new PerfTimer('x', { clock: { now: () => t }, epoch: 0 }).start();
    t = 12;
    timer.mark('m');
    timer.stop();
    expect(timer.duration).toBe(7);
    expect(timer.children[0]?.toJSON()).toEqual({ kind: 'mark', name: 'm', time: 12 });
  });

  it('does not mistake a root made after a failed child for a child', () => {
    const { root } = setup();
    expect(() => root.interval('')).toThrow(RangeError);
    const other = new PerfTimer('other');
    expect(other.parent).toBeUndefined();
    expect(other.depth).toBe(0);
  });
});
