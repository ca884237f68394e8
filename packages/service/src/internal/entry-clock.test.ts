import { ManualClock } from '@dyno/core/testing';
import { EntryClock } from './entry-clock.js';

// an entry clock over a manual one, which the test moves
const setup = () => {
  const base = new ManualClock();
  return { base, clock: new EntryClock(base) };
};

describe('EntryClock', () => {
  it('hands out its first reading while held, and fresh ones after', () => {
    const { base, clock } = setup();
    const hold = clock.hold();
    base.set(5);
    expect(clock.now()).toBe(5);
    base.set(7);
    expect(clock.now()).toBe(5);
    clock.release(hold);
    expect(clock.now()).toBe(7);
  });

  it('keeps the outer reading through a nested hold and its release', () => {
    const { base, clock } = setup();
    const outer = clock.hold();
    expect(clock.now()).toBe(0);
    base.set(10);
    const inner = clock.hold();
    // the inner hold has a reading of its own
    expect(clock.now()).toBe(10);
    base.set(20);
    expect(clock.now()).toBe(10);
    clock.release(inner);
    // the outer hold is still in force, with its reading
    expect(clock.now()).toBe(0);
    clock.release(outer);
    expect(clock.now()).toBe(20);
  });

  it('ignores a second release of the same hold', () => {
    const { base, clock } = setup();
    const outer = clock.hold();
    expect(clock.now()).toBe(0);
    const inner = clock.hold();
    clock.release(inner);
    clock.release(inner);
    base.set(10);
    expect(clock.now()).toBe(0);
    clock.release(outer);
    clock.release(outer);
    expect(clock.now()).toBe(10);
  });

  it('lets a hold released out of order go once the holds inside it end', () => {
    const { base, clock } = setup();
    const outer = clock.hold();
    expect(clock.now()).toBe(0);
    base.set(10);
    const inner = clock.hold();
    clock.release(outer);
    expect(clock.now()).toBe(10);
    base.set(20);
    clock.release(inner);
    expect(clock.now()).toBe(20);
  });

  it('passes timers to its base clock', async () => {
    const { base, clock } = setup();
    const fired: number[] = [];
    const handle = clock.setTimeout(() => fired.push(1), 10);
    clock.setTimeout(() => fired.push(2), 10);
    clock.clearTimeout(handle);
    await base.advance(10);
    expect(fired).toEqual([2]);
  });
});
