import { copyInheritedOptions, copyOptions, withDefaults } from './copy-options.js';

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

describe('copyInheritedOptions and withDefaults', () => {
  class Settings {
    attempts = 3;
    get timeout(): number {
      return this.attempts * 100;
    }
    describe(): string {
      return `${this.attempts} attempts`;
    }
  }

  it('reads inherited fields once into the copy’s prototype, methods bound to the original', () => {
    const given = new Settings();
    const copy = copyInheritedOptions(given);
    given.attempts = 5;
    expect(copy.attempts).toBe(3);
    // the getter was read at the copy: a later change does not reach it
    expect(copy.timeout).toBe(300);
    expect(Object.keys(copy)).toEqual(['attempts']);
    expect(Object.hasOwn(copy, 'timeout')).toBe(false);
    // a method keeps its object
    expect(copy.describe()).toBe('5 attempts');
    const base = { backoff: { base: 10 } };
    const derived = copyInheritedOptions(Object.create(base) as { backoff: { base: number } });
    base.backoff.base = 20;
    expect(derived.backoff).toEqual({ base: 10 });
  });

  it('copies a literal, an array or a null-prototype object as copyOptions does', () => {
    const literal = { a: { b: 1 } };
    expect(copyInheritedOptions(literal)).toEqual(literal);
    expect(copyInheritedOptions(literal).a).not.toBe(literal.a);
    expect(copyInheritedOptions([1, 2])).toEqual([1, 2]);
    expect(copyInheritedOptions(undefined)).toBeUndefined();
  });

  it('puts the defaults under what is inherited, own fields over both, and extra over all', () => {
    const copy = copyInheritedOptions(Object.create({ name: 'inherited', timeout: 5 }));
    copy.timeout = 7;
    const merged = withDefaults({ name: 'default', clock: 'c', timeout: 1 }, copy, { extra: 1 });
    expect(merged).toMatchObject({ name: 'inherited', clock: 'c', timeout: 7, extra: 1 });
    // only own fields are the caller's own: an unknown inherited one is not checked as a key
    expect(Object.keys(merged).sort()).toEqual(['extra', 'timeout']);
    expect(withDefaults({ a: 1 }, { b: 2 }, { c: 3 })).toEqual({ a: 1, b: 2, c: 3 });
    expect(withDefaults({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});
