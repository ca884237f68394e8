import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { flushPromises, ManualClock, OddClock, SteppingClock } from '@dyno/core/testing';
import { QUORUM, scriptedFleet } from './test-support/scripted-fleet.js';

// The fleet's view fades on this process's clock: a member's state counts for memberTtl after
// the heartbeat that brought it, and the whole view is dropped once Redis has not answered for
// memberTtl. A clock of the user's own may misbehave: it must not keep an isolation for good.
describe('FleetCircuit on a clock that misbehaves', () => {
  it('regression: a wall clock stepped back an hour does not hold an isolation for an hour while Redis is down', async () => {
    const manual = new ManualClock(1_000_000);
    const clock = new SteppingClock(manual);
    let answer: () => unknown = () => Promise.resolve(QUORUM);
    const { breaker, fleet } = scriptedFleet(() => answer(), { clock });
    await flushPromises();
    expect(breaker.state).toBe('isolated');
    clock.stepBack(3_600_000);
    answer = () => Promise.reject(new Error('ECONNREFUSED'));
    for (let i = 0; i < 5; i++) await manual.advance(100);
    expect(breaker.state).toBe('closed'); // after memberTtl (300 ms) and a heartbeat, not an hour
    fleet.dispose();
  });

  it('regression: a NaN reading when a heartbeat is answered does not hold an isolation for good', async () => {
    const reports: ListenerErrorEvent[] = [];
    using _ = onListenerError((e) => reports.push(e));
    const clock = new OddClock(1_000_000);
    let answer: () => unknown = () => Promise.resolve(QUORUM);
    const { breaker, fleet } = scriptedFleet(() => answer(), { clock });
    await flushPromises();
    clock.read = () => Number.NaN;
    await clock.advance(100);
    clock.read = undefined;
    expect(breaker.state).toBe('isolated');
    answer = () => Promise.reject(new Error('ECONNREFUSED'));
    for (let i = 0; i < 10; i++) await clock.advance(100);
    expect(breaker.state).toBe('closed');
    expect(reports.map((r) => r.source)).toEqual(['@dyno/breaker-redis "fleet" clock']);
    fleet.dispose();
  });
});
