import { FleetView, isQuorum, memberState } from './view.js';

describe('FleetView', () => {
  it('counts live members and those reporting open or half-open', () => {
    const view = new FleetView(300);
    view.replace(
      ['a', 'open', 'b', 'half-open', 'c', 'closed', 'd', 'isolated', 'e', 'disabled'],
      0,
    );
    expect(view.count(0)).toEqual({ live: 5, open: 2 });
  });

  it('drops a member whose news is older than its ttl', () => {
    const view = new FleetView(300);
    view.replace(['a', 'open', 'b', 'closed'], 0);
    view.set('b', 'closed', 200);
    expect(view.count(299)).toEqual({ live: 2, open: 1 });
    expect(view.count(300)).toEqual({ live: 1, open: 0 });
  });

  it('removes a member that left or sent something that is not a state', () => {
    const view = new FleetView(300);
    view.replace(['a', 'open', 'b', 'closed', 'c', 'closed'], 0);
    view.set('a', 'left', 1);
    view.set('b', 42, 1);
    expect(view.count(1)).toEqual({ live: 1, open: 0 });
    view.clear();
    expect(view.count(1)).toEqual({ live: 0, open: 0 });
  });

  it('ignores a dangling id in a heartbeat answer', () => {
    const view = new FleetView(300);
    view.replace(['a', 'open', 'b'], 0);
    expect(view.count(0)).toEqual({ live: 1, open: 1 });
  });
});

describe('isQuorum', () => {
  it('needs at least `min` and at least `ratio` of the live members', () => {
    expect(isQuorum(1, 5, 2, 0.5)).toBe(false); // one sick member
    expect(isQuorum(2, 5, 2, 0.5)).toBe(false); // under half
    expect(isQuorum(3, 5, 2, 0.5)).toBe(true);
    expect(isQuorum(2, 4, 2, 0.5)).toBe(true); // exactly half
    expect(isQuorum(1, 1, 2, 0.5)).toBe(false); // alone
    expect(isQuorum(0, 0, 1, 0)).toBe(false);
  });

  it('counts exactly `ratio` of the live members as a quorum, whatever floating point makes of ratio × live', () => {
    // 0.07 × 100 is 7.000000000000001 and 0.55 × 100 is 55.00000000000001: 7 and 55 fell short
    expect(isQuorum(7, 100, 2, 0.07)).toBe(true);
    expect(isQuorum(55, 100, 2, 0.55)).toBe(true);
    expect(isQuorum(7, 25, 2, 0.28)).toBe(true);
    expect(isQuorum(54, 100, 2, 0.55)).toBe(false);
  });

  it('reads member states', () => {
    expect(memberState('open')).toBe('open');
    expect(memberState('left')).toBeUndefined();
    expect(memberState(undefined)).toBeUndefined();
  });
});
