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

  it('rejects bad options', () => {
    const { root } = request();
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
