import { ConsecutiveFailures } from './consecutive-failures.js';
import { CountWindow } from './count-window.js';
import { TimeWindow } from './time-window.js';

describe('ConsecutiveFailures', () => {
  it('opens after the limit of failures in a row; a success starts again', () => {
    const s = new ConsecutiveFailures(3);
    expect([s.record(true), s.record(true), s.record(false), s.record(true)]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect([s.record(true), s.record(true)]).toEqual([false, true]);
    s.reset();
    expect(s.snapshot()).toEqual({ kind: 'consecutive-failures', failures: 0 });
  });
});

describe('CountWindow', () => {
  it('opens at exactly the threshold (>=) once the minimum is reached', () => {
    const s = new CountWindow(4, 4, 0.5, undefined, 1);
    expect([s.record(true, false), s.record(false, false), s.record(false, false)]).toEqual([
      false,
      false,
      false,
    ]);
    expect(s.record(true, false)).toBe(true);
  });

  it('keeps only the last `size` outcomes', () => {
    const s = new CountWindow(3, 1, 0.9, undefined, 1);
    for (const failure of [true, true, false, false, false]) s.record(failure, false);
    expect(s.snapshot()).toEqual({
      kind: 'count-window',
      outcomes: [0, 0, 0],
      calls: 3,
      failures: 0,
      slowCalls: 0,
    });
  });

  it('opens on the slow-call ratio', () => {
    const s = new CountWindow(2, 2, 1, 100, 0.5);
    expect(s.record(false, true)).toBe(false);
    expect(s.record(false, false)).toBe(true);
  });
});

describe('TimeWindow', () => {
  it('rolls buckets lazily and drops outcomes older than the window', () => {
    const s = new TimeWindow(1_000, 4, 1, 1, undefined, 1);
    s.record(true, false, 0);
    s.record(false, false, 260);
    s.record(false, true, 510);
    expect(s.snapshot(760)).toMatchObject({ calls: 3, failures: 1, slowCalls: 1, elapsed: 10 });
    expect(s.snapshot(1_000)).toMatchObject({ calls: 2, failures: 0 });
    expect(s.snapshot(1_000).buckets).toEqual([
      [1, 0, 0],
      [1, 0, 1],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(s.snapshot(5_000)).toMatchObject({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('keeps the grid of its first outcome while buckets fill, empty and fill again', () => {
    const s = new TimeWindow(1_000, 4, 1, 1, undefined, 1);
    s.record(true, false, 100);
    s.record(false, false, 200);
    expect(s.snapshot(300)).toMatchObject({ calls: 2, failures: 1, elapsed: 200 });
    expect(s.snapshot(300).buckets).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [2, 1, 0],
    ]);
    s.record(false, true, 400);
    expect(s.snapshot(400).buckets).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [2, 1, 0],
      [1, 0, 1],
    ]);
    expect(s.snapshot(5_000)).toMatchObject({ calls: 0, failures: 0, slowCalls: 0, elapsed: 150 });
    expect(s.snapshot(5_400)).toMatchObject({ calls: 0, elapsed: 50 });
    s.record(true, false, 5_400);
    expect(s.snapshot(5_500)).toMatchObject({ calls: 1, failures: 1, elapsed: 150 });
    expect(s.snapshot(6_400)).toMatchObject({ calls: 0, failures: 0 });
  });

  it('judges from the minimum number of calls, at >= the threshold', () => {
    const s = new TimeWindow(10_000, 10, 4, 0.5, undefined, 1);
    expect(s.record(true, false, 0)).toBe(false);
    expect(s.record(true, false, 1)).toBe(false);
    expect(s.record(false, false, 2)).toBe(false);
    expect(s.record(false, false, 3)).toBe(true);
  });

  it('restores a saved window relative to now, and ignores one of another shape', () => {
    const a = new TimeWindow(1_000, 2, 1, 1, undefined, 1);
    a.record(true, false, 100);
    a.record(false, false, 600);
    const saved = a.snapshot(700);
    const b = new TimeWindow(1_000, 2, 1, 1, undefined, 1);
    b.restore(saved, 50_000);
    expect(b.snapshot(50_000)).toEqual(saved);
    expect(b.snapshot(50_500)).toMatchObject({ calls: 1, failures: 0 });
    const c = new TimeWindow(1_000, 5, 1, 1, undefined, 1);
    c.restore(saved, 0);
    expect(c.snapshot(0)).toMatchObject({ calls: 0, buckets: [] });
  });
});

describe('CountWindow reset', () => {
  it('forgets every outcome', () => {
    const s = new CountWindow(2, 1, 1, undefined, 1);
    s.record(false, false);
    s.reset();
    expect(s.snapshot()).toEqual({
      kind: 'count-window',
      outcomes: [],
      calls: 0,
      failures: 0,
      slowCalls: 0,
    });
  });
});
