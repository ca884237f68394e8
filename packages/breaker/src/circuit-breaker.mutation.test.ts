import { ManualClock } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError, ProbeTimeoutError } from './errors.js';
import { Fuse } from './fuse.js';

// Behaviour that mutation testing (docs/reliability.md) showed no other test pinned down.

const fail = (): Promise<never> => Promise.reject(new Error('down'));
const hang = (): Promise<never> => new Promise<never>(() => {});
const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => value,
    (error: unknown) => error,
  );
const slowly =
  (clock: ManualClock, ms: number, fails = false) =>
  () =>
    new Promise((resolve, reject) =>
      clock.setTimeout(() => (fails ? reject(new Error('slow failure')) : resolve('slow')), ms),
    );

function tripped(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker({
    clock,
    strategy: { kind: 'consecutive-failures', failures: 1 },
    ...options,
  });
  return { clock, breaker };
}

describe('CircuitBreaker slow calls', () => {
  it('opens on the slow-call ratio with no listener attached, counting calls at the limit as slow', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: {
        kind: 'count-window',
        size: 4,
        minimumCalls: 4,
        slowCallDuration: 100,
        slowCallThreshold: 0.5,
      },
    });
    for (const ms of [99, 99, 100]) {
      const call = breaker.execute(slowly(clock, ms));
      await clock.advance(ms);
      await call;
    }
    expect(breaker.state).toBe('closed');
    const last = breaker.execute(slowly(clock, 150));
    await clock.advance(150);
    await last;
    expect(breaker.state).toBe('open');
  });

  it('stays closed while the failure ratio is under the threshold (1 failure in 10)', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: {
        kind: 'count-window',
        size: 10,
        minimumCalls: 10,
        threshold: 0.5,
        slowCallDuration: 50,
        slowCallThreshold: 0.5,
      },
    });
    await settle(breaker.execute(fail));
    const slow = breaker.execute(slowly(clock, 60));
    await clock.advance(60);
    await slow;
    for (let i = 0; i < 8; i++) await breaker.execute(() => i);
    expect(breaker.state).toBe('closed');
  });

  it('forgets slow calls that leave the count window', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: {
        kind: 'count-window',
        size: 2,
        minimumCalls: 2,
        threshold: 1,
        slowCallDuration: 10,
        slowCallThreshold: 1,
      },
    });
    const slow = breaker.execute(slowly(clock, 10));
    await clock.advance(10);
    await slow;
    await breaker.execute(() => 'fast');
    await breaker.execute(() => 'fast');
    const again = breaker.execute(slowly(clock, 10));
    await clock.advance(10);
    await again;
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker event payloads', () => {
  it('measures durations for an onFailure-only or onSuccess-only listener', async () => {
    const { clock, breaker } = tripped({ strategy: { kind: 'consecutive-failures', failures: 5 } });
    const failures: number[] = [];
    breaker.onFailure((event) => failures.push(event.duration));
    const failing = breaker.execute(slowly(clock, 250, true));
    await clock.advance(250);
    await settle(failing);
    expect(failures).toEqual([250]);

    const other = tripped({ strategy: { kind: 'consecutive-failures', failures: 5 } });
    const successes: number[] = [];
    other.breaker.onSuccess((event) => successes.push(event.duration));
    const ok = other.breaker.execute(slowly(other.clock, 40));
    await other.clock.advance(40);
    await ok;
    expect(successes).toEqual([40]);
  });

  it('emits no failure event for a success', async () => {
    const { breaker } = tripped();
    const failure = jest.fn();
    breaker.onFailure(failure);
    await breaker.execute(() => 'fine');
    expect(failure).not.toHaveBeenCalled();
  });

  it('names the instance in the reset payload', async () => {
    const { clock, breaker } = tripped({ name: 'payments', openDuration: 100 });
    const resets: unknown[] = [];
    breaker.onReset((event) => resets.push(event));
    await settle(breaker.execute(fail));
    await clock.advance(100);
    await breaker.execute(() => 'up');
    expect(resets).toEqual([{ name: 'payments' }]);
  });
});

describe('CircuitBreaker half-open bookkeeping', () => {
  it('times a probe from its own start, not from when probes became allowed', async () => {
    const { clock, breaker } = tripped({ openDuration: 1_000 });
    await settle(breaker.execute(fail));
    await clock.advance(1_500);
    void settle(breaker.execute(hang));
    await clock.advance(999);
    expect(breaker.state).toBe('half-open');
    await clock.advance(1);
    expect(breaker.state).toBe('open');
  });

  it('stays half-open however long no probe runs', async () => {
    const { clock, breaker } = tripped({ openDuration: 100 });
    await settle(breaker.execute(fail));
    await clock.advance(100);
    expect(breaker.state).toBe('half-open');
    await clock.advance(10_000);
    expect(breaker.state).toBe('half-open');
  });

  it('backs the open duration off after a hung probe, reporting a ProbeTimeoutError', async () => {
    const { clock, breaker } = tripped({ openDuration: 100, backoffFactor: 2 });
    const reasons: unknown[] = [];
    breaker.onBreak((event) => reasons.push(event.reason));
    await settle(breaker.execute(fail));
    await clock.advance(100);
    void settle(breaker.execute(hang));
    await clock.advance(100);
    expect(breaker.state).toBe('open');
    expect(reasons[1]).toBeInstanceOf(ProbeTimeoutError);
    await clock.advance(199);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('ignores the late failure of a probe whose caller aborted, while another probe runs', async () => {
    const { clock, breaker } = tripped({ openDuration: 100 });
    await settle(breaker.execute(fail));
    await clock.advance(100);
    const controller = new AbortController();
    let failLate!: (error: Error) => void;
    const first = settle(
      breaker.execute(() => new Promise((_, reject) => (failLate = reject)), {
        signal: controller.signal,
      }),
    );
    controller.abort(new Error('caller left'));
    let succeed!: (value: string) => void;
    const second = breaker.execute(() => new Promise<string>((resolve) => (succeed = resolve)));
    failLate(new Error('late'));
    await first;
    expect(breaker.state).toBe('half-open');
    succeed('up');
    await second;
    expect(breaker.state).toBe('closed');
  });

  it('does not give back a permit twice when a probe is aborted after the circuit re-opened', async () => {
    const { clock, breaker } = tripped({ openDuration: 100 });
    await settle(breaker.execute(fail));
    await clock.advance(100);
    const controller = new AbortController();
    void settle(breaker.execute(hang, { signal: controller.signal }));
    await clock.advance(100); // the probe outlived halfOpenMaxWait: open again
    expect(breaker.state).toBe('open');
    controller.abort(new Error('late abort'));
    await clock.advance(100);
    void settle(breaker.execute(hang));
    await expect(breaker.execute(() => 'second probe')).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it('ignores the late failure of a call started before the circuit opened, while half-open', async () => {
    const { clock, breaker } = tripped({ openDuration: 100 });
    let failLate!: (error: Error) => void;
    const early = settle(breaker.execute(() => new Promise((_, reject) => (failLate = reject))));
    await settle(breaker.execute(fail));
    await clock.advance(100);
    expect(breaker.state).toBe('half-open');
    failLate(new Error('late'));
    await early;
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(() => 'probe')).resolves.toBe('probe');
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker options given one at a time', () => {
  it('uses a lone backoffFactor', async () => {
    const { clock, breaker } = tripped({ backoffFactor: 2 });
    await settle(breaker.execute(fail));
    await clock.advance(5_000);
    await settle(breaker.execute(fail));
    await clock.advance(9_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('uses a lone openDuration, halfOpenProbes or halfOpenSuccesses', async () => {
    const a = tripped({ openDuration: 10 });
    await settle(a.breaker.execute(fail));
    await a.clock.advance(10);
    expect(a.breaker.state).toBe('half-open');

    const b = tripped({ halfOpenProbes: 2 });
    await settle(b.breaker.execute(fail));
    await b.clock.advance(5_000);
    void settle(b.breaker.execute(hang));
    void settle(b.breaker.execute(hang));
    await expect(b.breaker.execute(() => 3)).rejects.toBeInstanceOf(BrokenCircuitError);

    const c = tripped({ halfOpenSuccesses: 2 });
    await settle(c.breaker.execute(fail));
    await c.clock.advance(5_000);
    await c.breaker.execute(() => 1);
    expect(c.breaker.state).toBe('half-open');
    await c.breaker.execute(() => 2);
    expect(c.breaker.state).toBe('closed');
  });

  it('accepts a maxOpenDuration equal to the openDuration', () => {
    expect(() => new CircuitBreaker({ openDuration: 1_000, maxOpenDuration: 1_000 })).not.toThrow();
  });
});

describe('CircuitBreaker snapshots', () => {
  it('saves an isolated circuit as open for a full open duration', () => {
    const { breaker } = tripped({ openDuration: 700 });
    breaker.isolate('maintenance');
    const saved = breaker.snapshot();
    expect(saved.state).toBe('open');
    expect(saved.openRemaining).toBe(700);
  });

  it('restores a consecutive-failures streak, one short of the limit at most', async () => {
    const clock = new ManualClock();
    const strategy = { kind: 'consecutive-failures', failures: 3 } as const;
    const first = new CircuitBreaker({ clock, strategy });
    await settle(first.execute(fail));
    await settle(first.execute(fail));
    const restored = new CircuitBreaker({ clock, strategy, snapshot: first.snapshot() });
    await settle(restored.execute(fail));
    expect(restored.state).toBe('open');

    const over = new CircuitBreaker({
      clock,
      strategy,
      snapshot: { ...first.snapshot(), window: { kind: 'consecutive-failures', failures: 9 } },
    });
    expect(over.state).toBe('closed');
    await settle(over.execute(fail));
    expect(over.state).toBe('open');
    const fresh = new CircuitBreaker({
      clock,
      strategy,
      snapshot: { ...first.snapshot(), window: { kind: 'consecutive-failures', failures: 1 } },
    });
    await settle(fresh.execute(fail));
    expect(fresh.state).toBe('closed');
  });

  it('restores a time window with its slow calls, and the time since its newest bucket', async () => {
    const clock = new ManualClock();
    const strategy = {
      kind: 'time-window',
      window: 1_000,
      buckets: 10,
      minimumCalls: 2,
      threshold: 1,
      slowCallDuration: 10,
      slowCallThreshold: 1,
    } as const;
    const first = new CircuitBreaker({ clock, strategy });
    const slow = first.execute(slowly(clock, 10));
    await clock.advance(10);
    await slow;
    await clock.advance(50);
    const saved = first.snapshot();
    expect(saved.window).toMatchObject({ kind: 'time-window', elapsed: 50, slowCalls: 1 });
    const restored = new CircuitBreaker({ clock, strategy, snapshot: saved });
    const again = restored.execute(slowly(clock, 10));
    await clock.advance(10);
    await again;
    expect(restored.state).toBe('open');
  });

  it('drops a restored time window once it has fully passed', async () => {
    const clock = new ManualClock();
    const strategy = {
      kind: 'time-window',
      window: 1_000,
      buckets: 10,
      minimumCalls: 2,
      threshold: 1,
    } as const;
    const first = new CircuitBreaker({ clock, strategy });
    await settle(first.execute(fail));
    const restored = new CircuitBreaker({ clock, strategy, snapshot: first.snapshot() });
    await clock.advance(5_000);
    await settle(restored.execute(fail));
    expect(restored.state).toBe('closed');
  });
});

describe('Fuse details', () => {
  it('names itself fuse#n by default and hands fn the caller signal', async () => {
    const fuse = new Fuse();
    expect(fuse.name).toMatch(/^fuse#\d+$/);
    const controller = new AbortController();
    await expect(fuse.execute(({ signal }) => signal, { signal: controller.signal })).resolves.toBe(
      controller.signal,
    );
  });

  it('rejects trigger options that are not an object', () => {
    const fuse = new Fuse();
    expect(() => fuse.trigger('r', 5 as never)).toThrow(
      '@dyno/breaker: trigger options must be an object; received 5',
    );
    expect(fuse.isBroken).toBe(false);
  });
});
