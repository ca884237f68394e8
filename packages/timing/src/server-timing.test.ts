import { ManualClock } from '@dyno/core/testing';
import { PerfTimer } from './perf-timer.js';
import { quoted, token } from './server-timing.js';

function request() {
  const clock = new ManualClock();
  const root = new PerfTimer('total', { clock }).start();
  const db = root.time('db');
  clock.set(12.3456);
  db.mark('miss');
  db.stop();
  root.interval('never');
  const render = root.time('render');
  clock.set(20);
  render.stop();
  return { clock, root };
}

describe('PerfTimer.serverTiming', () => {
  it('lists started intervals with dur in ms and marks without, in pre-order', () => {
    const { root } = request();
    expect(root.serverTiming()).toBe('total;dur=20, db;dur=12.346, miss, render;dur=7.654');
  });

  it('stops at maxDepth below the timer', () => {
    const { root } = request();
    expect(root.serverTiming({ maxDepth: 0 })).toBe('total;dur=20');
    expect(root.serverTiming({ maxDepth: 1 })).toBe(
      'total;dur=20, db;dur=12.346, render;dur=7.654',
    );
  });

  it('gives an empty value when nothing was timed', () => {
    expect(new PerfTimer('idle').serverTiming()).toBe('');
  });

  it('writes dur as a plain decimal, never with an exponent', () => {
    const clock = new ManualClock();
    const t = new PerfTimer('tiny', { clock }).start();
    clock.set(1e-7);
    t.stop();
    expect(t.serverTiming()).toBe('tiny;dur=0');
    const u = new PerfTimer('u', { clock }).start();
    clock.set(clock.now() + 0.5);
    u.stop();
    expect(u.serverTiming()).toBe('u;dur=0.5');
    // a clock that jumps far ahead: toFixed would write 1e+22
    const v = new PerfTimer('v', { clock }).start();
    clock.set(clock.now() + 1e22);
    v.stop();
    expect(v.serverTiming()).toBe('v;dur=10000000000000000000000');
  });

  it('turns names into tokens and keeps the original in a quoted desc', () => {
    const clock = new ManualClock();
    const t = new PerfTimer('db query "users"', { clock }).start();
    t.mark('café;x=1, y');
    t.mark('100%');
    clock.set(1);
    t.stop();
    expect(t.serverTiming()).toBe(
      'db%20query%20%22users%22;dur=1;desc="db query \\"users\\"", ' +
        'caf%C3%A9%3Bx%3D1%2C%20y;desc="caf%C3%A9;x=1, y", ' +
        '100%25;desc="100%"',
    );
  });

  it('keeps the longest maxEntries metrics, marks last, in tree order', () => {
    const { root } = request();
    // total 20, db 12.346, render 7.654, miss (a mark)
    expect(root.serverTiming({ maxEntries: 2 })).toBe('total;dur=20, db;dur=12.346');
    expect(root.serverTiming({ maxEntries: 3 })).toBe(
      'total;dur=20, db;dur=12.346, render;dur=7.654',
    );
    expect(root.serverTiming({ maxEntries: 4 })).toBe(root.serverTiming());
    expect(root.serverTiming({ maxEntries: 0 })).toBe('');
  });

  it('ranks marks after every interval, even one of no time as a clock stepped back measures it', () => {
    let now = 10;
    const clock = { now: () => now };
    const root = new PerfTimer('back', { clock }).start();
    root.mark('m');
    now = 5; // a wall clock stepped back: no time passed (it read -5 ms before the tree clock)
    root.stop();
    expect(root.serverTiming()).toBe('back;dur=0, m');
    expect(root.serverTiming({ maxEntries: 1 })).toBe('back;dur=0');
  });

  it('stays within maxBytes, skipping a metric that does not fit for smaller ones', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('total', { clock }).start();
    const long = root.time('a-very-long-interval-name-that-takes-room');
    clock.set(10);
    long.stop();
    const short = root.time('db');
    clock.set(15);
    short.stop();
    clock.set(16);
    root.stop();
    const full = root.serverTiming();
    expect(full).toBe('total;dur=16, a-very-long-interval-name-that-takes-room;dur=10, db;dur=5');
    expect(root.serverTiming({ maxBytes: full.length })).toBe(full);
    const small = 'total;dur=16, db;dur=5';
    expect(root.serverTiming({ maxBytes: small.length + 5 })).toBe(small);
    expect(root.serverTiming({ maxBytes: 'total;dur=16'.length })).toBe('total;dur=16');
    expect(root.serverTiming({ maxBytes: 'db;dur=5'.length })).toBe('db;dur=5');
    expect(root.serverTiming({ maxBytes: 5 })).toBe('');
  });

  it('budgets hostile names by their encoded size, and the result still parses', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('rööt, "x"', { clock }).start();
    for (let i = 0; i < 50; i++) {
      const child = root.time(`child ${i} ;=,"\\`);
      clock.set(clock.now() + (i % 7) + 1);
      child.stop();
    }
    root.stop();
    const value = root.serverTiming({ maxEntries: 10, maxBytes: 600 });
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(600);
    // a strict reading of the grammar: metric *( ", " metric ), whole value consumed
    const METRIC =
      /[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:;dur=\d+(?:\.\d+)?)?(?:;desc="(?:[\t\x20\x21\x23-\x5b\x5d-\x7e]|\\[\t\x20-\x7e])*")?/y;
    const metrics: string[] = [];
    let at = 0;
    while (at < value.length) {
      METRIC.lastIndex = at;
      const match = METRIC.exec(value);
      expect(match).not.toBeNull();
      metrics.push((match as RegExpExecArray)[0]);
      at = METRIC.lastIndex;
      if (at < value.length) {
        expect(value.slice(at, at + 2)).toBe(', ');
        at += 2;
      }
    }
    expect(metrics.length).toBeLessThanOrEqual(10);
    expect(metrics.length).toBeGreaterThan(3);
    expect(metrics[0]).toMatch(/^r%C3%B6%C3%B6t/);
  });

  it('rejects bad options', () => {
    const { root } = request();
    expect(() => root.serverTiming({ maxEntries: -1 })).toThrow(
      new RangeError(
        '@dyno/timing: option `maxEntries` must be an integer from 0 to 9007199254740991; received -1',
      ),
    );
    expect(() => root.serverTiming({ maxBytes: '1kb' as never })).toThrow(
      new TypeError(
        '@dyno/timing: option `maxBytes` must be an integer from 0 to 9007199254740991; received "1kb"',
      ),
    );
    expect(() => root.serverTiming({ maxDepth: -1 })).toThrow(
      new RangeError(
        '@dyno/timing: option `maxDepth` must be an integer from 0 to 9007199254740991; received -1',
      ),
    );
    expect(() => root.serverTiming({ maxDepth: 1.5 })).toThrow(RangeError);
    expect(() => root.serverTiming({ depth: 1 } as never)).toThrow(TypeError);
  });
});

describe('token and quoted', () => {
  it('keep every tchar and escape everything else', () => {
    const tchars = "!#$&'*+-.^_`|~09AZaz";
    expect(token(tchars)).toBe(tchars);
    expect(token('a b(c)/d\\e"f\u0000')).toBe('a%20b%28c%29%2Fd%5Ce%22f%00');
    expect(quoted('tab\there\u0007 "q" \\')).toBe('"tab\there%07 \\"q\\" \\\\"');
    expect(quoted('\ud83d\ude00')).toBe('"%F0%9F%98%80"');
  });

  it('produce what the Server-Timing grammar accepts', () => {
    const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
    const QUOTED = /^"(?:[\t\x20\x21\x23-\x5b\x5d-\x7e]|\\[\t\x20-\x7e])*"$/;
    for (const name of ['plain', 'with space', 'ünïcödé', '\r\n', '"\\', 'a,b;c=d', '\ud800']) {
      expect(token(name)).toMatch(TOKEN);
      expect(quoted(name)).toMatch(QUOTED);
    }
  });
});
