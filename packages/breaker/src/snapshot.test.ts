import { ManualClock } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { isCircuitSnapshot } from './index.js';
import type { CircuitSnapshot } from './snapshot.js';

const fail = () => Promise.reject(new Error('x'));

describe('CircuitBreaker snapshots', () => {
  it('saves an open circuit as plain JSON with times relative to now', async () => {
    const clock = new ManualClock(1_000_000);
    const a = new CircuitBreaker({
      clock,
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    await a.execute(fail).catch(() => {});
    clock.set(1_002_000);
    const saved = JSON.parse(JSON.stringify(a.snapshot())) as CircuitSnapshot;
    expect(saved).toEqual({
      version: 1,
      state: 'open',
      openRemaining: 3_000,
      reopenCount: 0,
      window: { kind: 'consecutive-failures', failures: 1 },
    });
    const other = new ManualClock(7);
    const b = new CircuitBreaker({
      clock: other,
      strategy: { kind: 'consecutive-failures', failures: 1 },
      snapshot: saved,
    });
    expect(b.state).toBe('open');
    other.set(3_006);
    expect(b.state).toBe('open');
    other.set(3_007);
    expect(b.state).toBe('half-open');
    await b.execute(() => 1);
    expect(b.snapshot().window).toEqual({ kind: 'consecutive-failures', failures: 0 });
  });

  it('restores a half-open circuit with no probe running', () => {
    const b = new CircuitBreaker({
      clock: new ManualClock(),
      snapshot: {
        version: 1,
        state: 'half-open',
        openRemaining: 0,
        reopenCount: 2,
        window: {
          kind: 'time-window',
          elapsed: 0,
          buckets: [],
          calls: 0,
          failures: 0,
          slowCalls: 0,
        },
      },
    });
    expect(b.state).toBe('half-open');
    expect(b.snapshot().reopenCount).toBe(2);
  });

  it('restores a count window and keeps judging it', async () => {
    const strategy = { kind: 'count-window', size: 4, minimumCalls: 4 } as const;
    const b = new CircuitBreaker({
      clock: new ManualClock(),
      strategy,
      snapshot: {
        version: 1,
        state: 'closed',
        openRemaining: 0,
        reopenCount: 0,
        window: { kind: 'count-window', outcomes: [0, 1, 3], calls: 3, failures: 2, slowCalls: 1 },
      },
    });
    expect(b.snapshot().window).toEqual({
      kind: 'count-window',
      outcomes: [0, 1, 3],
      calls: 3,
      failures: 2,
      slowCalls: 1,
    });
    await b.execute(() => 1);
    expect(b.state).toBe('open');
  });

  it('saves an isolated circuit as open for a full open duration', () => {
    const b = new CircuitBreaker({ clock: new ManualClock() });
    b.isolate('drill');
    expect(b.snapshot()).toMatchObject({ state: 'open', openRemaining: 5_000 });
  });

  it.each([
    [{}, '`version` must be 1'],
    [{ version: 1, state: 'isolated' }, '`state` must be one of closed, open, half-open'],
    [{ version: 1, state: 'open', openRemaining: -1 }, '`openRemaining`'],
    [{ version: 1, state: 'open', openRemaining: 1, reopenCount: 0.5 }, '`reopenCount`'],
    [{ version: 1, state: 'open', openRemaining: 1, reopenCount: 0, window: [] }, '`window` must'],
    [
      { version: 1, state: 'open', openRemaining: 1, reopenCount: 0, window: { kind: 'x' } },
      '`window.kind`',
    ],
    [
      {
        version: 1,
        state: 'open',
        openRemaining: 1,
        reopenCount: 0,
        window: { kind: 'consecutive-failures', failures: -1 },
      },
      '`window.failures`',
    ],
    [
      {
        version: 1,
        state: 'open',
        openRemaining: 1,
        reopenCount: 0,
        window: { kind: 'count-window', outcomes: [4] },
      },
      '`window.outcomes`',
    ],
    [
      {
        version: 1,
        state: 'open',
        openRemaining: 1,
        reopenCount: 0,
        window: { kind: 'time-window', elapsed: 0, buckets: [[1, 2, 0]] },
      },
      '`window.buckets`',
    ],
    [
      {
        version: 1,
        state: 'open',
        openRemaining: 1,
        reopenCount: 0,
        window: { kind: 'time-window', elapsed: Number.NaN, buckets: [] },
      },
      '`window.elapsed`',
    ],
  ])('rejects the malformed snapshot %j', (snapshot, problem) => {
    expect(() => new CircuitBreaker({ snapshot: snapshot as never })).toThrow(
      `@dyno/breaker: option \`snapshot\` is not a circuit snapshot: ${problem}`,
    );
    expect(isCircuitSnapshot(snapshot)).toBe(false);
  });

  it('isCircuitSnapshot accepts what snapshot() saves, through JSON', async () => {
    const clock = new ManualClock();
    for (const kind of ['consecutive-failures', 'count-window', 'time-window'] as const) {
      const breaker = new CircuitBreaker({ clock, strategy: { kind } });
      await breaker.execute(fail).catch(() => undefined);
      const saved: unknown = JSON.parse(JSON.stringify(breaker.snapshot()));
      expect(isCircuitSnapshot(saved)).toBe(true);
    }
    expect(isCircuitSnapshot(undefined)).toBe(false);
  });
});
