import { ManualClock } from '@dyno/core/testing';
import { DependencyError } from '@dyno/injection';
import { createApp } from './main.js';

describe('injection example', () => {
  it('connects both dependencies in parallel and reads them from the registry', async () => {
    const clock = new ManualClock();
    const { quote } = createApp(clock);
    const call = quote(1, 'tea');
    await clock.advance(30);
    // 30 ms, not 40: the 10 ms users connection and the 30 ms price connection overlap
    expect(await call).toBe('primary user 1: tea costs 4 (at 30 ms)');
  });

  it('sees a replaced service at the next call and falls back when prices are too slow', async () => {
    const clock = new ManualClock();
    const { registry, quote } = createApp(clock);
    const first = quote(1, 'tea');
    await clock.advance(30);
    await first;
    registry.replace('users', {
      label: 'replica',
      connect: () => Promise.resolve(),
      name: (id) => `replica user ${id}`,
    });
    registry.replace('prices', {
      connect: () => new Promise<void>(() => {}),
      price: () => 99,
    });
    const second = quote(2, 'tea');
    await clock.advance(200);
    expect(await second).toBe('replica user 2: tea costs 3 (at 230 ms)');
    expect(clock.pending).toBe(0);
  });

  it('fails with a DependencyError when the users service is unreachable', async () => {
    const clock = new ManualClock();
    const { registry, quote } = createApp(clock);
    registry.unregister('users');
    const call = quote(1, 'tea').catch((e: unknown) => e);
    // the call waits for the price connection so that it can name every failure
    await clock.advance(30);
    const error = await call;
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).message).toBe(
      'Could not build 1 dependency: "users" (NotRegistered: The key: "users" has not yet been registered)',
    );
  });
});
