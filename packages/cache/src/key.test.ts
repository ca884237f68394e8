import fc from 'fast-check';
import { CacheKeyError } from './errors.js';
import { stableKey } from './key.js';
import { bytesLeftPerCall } from './test-support/heap.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('stableKey', () => {
  it('tells apart values that print alike', () => {
    const cases: unknown[][] = [
      [1],
      ['1'],
      [1n],
      [true],
      ['true'],
      [null],
      [undefined],
      ['undefined'],
      [],
      [[]],
      [1, 2],
      [[1, 2]],
      ['1', 2],
      [{ a: 1 }],
      [{ a: '1' }],
      [new Point(1, 2)],
      [{ x: 1, y: 2 }],
      [new Date(5)],
      [5],
      [new Map([[1, 2]])],
      [new Set([1, 2])],
      [/a/g],
      [new Uint8Array([1, 2])],
      [Symbol.for('s')],
      [Symbol('s')],
      [Symbol('s')],
      [() => 1],
      [() => 1],
    ];
    const keys = cases.map((args) => stableKey(args));
    expect(new Set(keys).size).toBe(cases.length);
  });

  it('is stable over key order, Map and Set order, and repeated functions and symbols', () => {
    const f = () => 1;
    const s = Symbol('x');
    expect(stableKey([{ a: 1, b: [2, { c: 3, d: 4 }] }])).toBe(
      stableKey([{ b: [2, { d: 4, c: 3 }], a: 1 }]),
    );
    expect(
      stableKey([
        new Map([
          [1, 'a'],
          [2, 'b'],
        ]),
      ]),
    ).toBe(
      stableKey([
        new Map([
          [2, 'b'],
          [1, 'a'],
        ]),
      ]),
    );
    expect(stableKey([new Set([1, 2])])).toBe(stableKey([new Set([2, 1])]));
    expect(stableKey([f, s])).toBe(stableKey([f, s]));
    expect(stableKey([Object.create(null)])).toBe(stableKey([Object.create(null)]));
  });

  it('counts every argument', () => {
    expect(stableKey([1, 2, 3])).not.toBe(stableKey([1, 2]));
    expect(stableKey([1, undefined])).not.toBe(stableKey([1]));
  });

  it('refuses arguments with a cycle', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => stableKey([a])).toThrow(CacheKeyError);
    expect(() => stableKey([a])).toThrow('cannot make a key of arguments that contain a cycle');
    const shared = { v: 1 };
    expect(() => stableKey([shared, [shared]])).not.toThrow();
  });

  it('gives equal keys exactly to structurally equal JSON values', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.array(fc.jsonValue()), (a, b) => {
        const same = stableKey(a) === stableKey(b);
        expect(same).toBe(JSON.stringify(sortDeep(a)) === JSON.stringify(sortDeep(b)));
      }),
      { numRuns: 300 },
    );
  });

  it('regression: keeps no symbol alive: a fresh Symbol() per call leaves nothing behind', async () => {
    // the symbols' ids were held in a strong Map: about 60 bytes per symbol, for ever
    const left = await bytesLeftPerCall(200_000, () => stableKey([Symbol('request'), 1]));
    expect(left).toBeLessThan(10);
    const kept = Symbol('kept');
    expect(stableKey([kept])).toBe(stableKey([kept]));
  });
});

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
    );
  }
  // -0 and 0 are two keys (1 / x tells them apart), where JSON prints both as 0
  return Object.is(v, -0) ? { '\u0000-0': true } : v;
}
