import { copyOptions } from './copy-options.js';

describe('copyOptions', () => {
  it('copies data all the way down, so a later change of the caller’s objects changes nothing', () => {
    const given = { attempts: 3, backoff: { base: 10, factor: [2, 3] }, name: 'x' };
    const copy = copyOptions(given);
    given.attempts = 9;
    given.backoff.base = 99;
    given.backoff.factor.push(4);
    expect(copy).toEqual({ attempts: 3, backoff: { base: 10, factor: [2, 3] }, name: 'x' });
  });

  it('reads each field once: a getter answers what it answered at the copy', () => {
    let reads = 0;
    const given = {
      get attempts() {
        reads += 1;
        return reads;
      },
    };
    const copy = copyOptions(given);
    expect([copy.attempts, copy.attempts, reads]).toEqual([1, 1, 1]);
  });

  it('keeps instances, functions and, below the top, objects with methods as they are', () => {
    class Budget {
      left = 1;
    }
    const budget = new Budget();
    const isFailure = () => true;
    const clock = { now: () => 0, ticks: 1 };
    const copy = copyOptions({ budget, isFailure, clock, nested: Object.create(null) });
    expect(copy.budget).toBe(budget);
    expect(copy.isFailure).toBe(isFailure);
    expect(copy.clock).toBe(clock);
    // an object without a prototype is data
    expect(copy.nested).toEqual({});
    // at the top, an instance is kept, and a literal with a method is copied
    expect(copyOptions(budget)).toBe(budget);
    const top = { now: () => 0 };
    expect(copyOptions(top)).not.toBe(top);
  });

  it('passes values that are not objects through', () => {
    expect([copyOptions(undefined), copyOptions(null), copyOptions(5), copyOptions('s')]).toEqual([
      undefined,
      null,
      5,
      's',
    ]);
  });
});
