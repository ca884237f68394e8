import { ManualClock } from '@dyno/core/testing';
import { Metrics } from '../metrics.js';
import { Carry, REMEMBERED_NAMES } from './carry.js';

const make = (name: string): Metrics => new Metrics({ name, clock: new ManualClock() });

describe('Carry', () => {
  it('continues a name whose Metrics changed from the last totals of the old one', () => {
    const carry = new Carry();
    const a = make('a');
    expect(carry.continued(a, 'a', [15, 2])).toEqual([15, 2]);
    carry.sweep();
    const again = make('a');
    expect(carry.continued(again, 'a', [1, 0])).toEqual([16, 2]);
    carry.sweep();
    expect(carry.continued(again, 'a', [3, 1])).toEqual([18, 3]);
  });

  it('forgets the names gone longest beyond the names it remembers, never a name still reported', () => {
    const carry = new Carry(2);
    const live = make('live');
    for (const name of ['g1', 'g2', 'g3', 'g4']) {
      carry.continued(live, 'live', [1]);
      carry.continued(make(name), name, [5]);
      carry.sweep();
    }
    carry.continued(live, 'live', [1]);
    carry.sweep();
    // g1 to g4 are gone: the two gone last (g3, g4) are remembered, with the live name
    expect(carry.size).toBe(3);
    expect(carry.continued(make('g3'), 'g3', [1])).toEqual([6]);
    expect(carry.continued(make('g2'), 'g2', [1])).toEqual([1]);
    expect(carry.continued(live, 'live', [1])).toEqual([1]);
  });

  it('keeps every name of a source larger than what it remembers', () => {
    const carry = new Carry(1);
    const all = ['a', 'b', 'c', 'd'].map(make);
    for (let round = 0; round < 3; round++) {
      for (const m of all) carry.continued(m, m.name, [round]);
      carry.sweep();
    }
    expect(carry.size).toBe(4);
    expect(REMEMBERED_NAMES).toBe(1000);
  });
});
