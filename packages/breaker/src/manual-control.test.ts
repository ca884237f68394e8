import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import type { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError } from './errors.js';
import { deferred, fail, ok } from './test-support/deferred.js';
import { setup } from './test-support/setup.js';

async function trip(breaker: CircuitBreaker, times = 2): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.execute(fail).catch(() => {});
}

describe('CircuitBreaker.close', () => {
  it('closes an open circuit at once, with an empty window and no backoff', async () => {
    const { clock, breaker, log } = setup({ backoffFactor: 2 });
    const resets: unknown[] = [];
    breaker.onReset((e) => resets.push(e));
    await trip(breaker);
    clock.set(5_000);
    await breaker.execute(fail).catch(() => {}); // a failed probe: the next open lasts 10 s
    breaker.close();
    expect(breaker.state).toBe('closed');
    expect(resets).toEqual([{ name: 'db' }]);
    await trip(breaker, 1);
    expect(breaker.state).toBe('closed'); // the window was emptied
    await trip(breaker, 1);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', openRemaining: 5_000 });
    expect(log).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->open',
      'open->closed',
      'closed->open',
    ]);
  });

  it('does nothing to a closed circuit', async () => {
    const { breaker, log } = setup();
    await trip(breaker, 1);
    breaker.close();
    await trip(breaker, 1);
    expect(breaker.state).toBe('open'); // the first failure was kept
    expect(log).toEqual(['closed->open']);
  });

  it('does not count calls that started before it', async () => {
    const { breaker } = setup();
    await trip(breaker);
    breaker.close();
    const early = deferred();
    const earlier = breaker.execute(() => early.promise);
    breaker.close(); // closed already: the call above still counts
    early.reject(new Error('counted'));
    await earlier.catch(() => {});
    expect(breaker.snapshot().window).toEqual({ kind: 'consecutive-failures', failures: 1 });
    const late = deferred();
    const stale = breaker.execute(() => late.promise);
    breaker.isolate();
    breaker.close();
    late.reject(new Error('not counted'));
    await stale.catch(() => {});
    await trip(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('ends every isolation; their disposables then change nothing', () => {
    const { breaker, log } = setup();
    const first = breaker.isolate('maintenance');
    breaker.isolate('again');
    breaker.close();
    expect(breaker.state).toBe('closed');
    const second = breaker.isolate('later');
    first.dispose();
    expect(breaker.state).toBe('isolated');
    second.dispose();
    expect(breaker.state).toBe('closed');
    expect(log).toEqual([
      'closed->isolated',
      'isolated->closed',
      'closed->isolated',
      'isolated->closed',
    ]);
  });
});

describe('CircuitBreaker.reset', () => {
  it('empties the window of a closed circuit without an event', async () => {
    const { breaker, log } = setup();
    await trip(breaker, 1);
    const inFlight = deferred();
    const call = breaker.execute(() => inFlight.promise);
    breaker.reset();
    inFlight.reject(new Error('started before the reset'));
    await call.catch(() => {});
    await trip(breaker, 1);
    expect(breaker.state).toBe('closed');
    await trip(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(log).toEqual(['closed->open']);
  });

  it('closes a half-open circuit and frees its probes', async () => {
    const { clock, breaker, log } = setup();
    await trip(breaker);
    clock.set(5_000);
    const probe = breaker.acquire();
    breaker.reset();
    probe.failed(new Error('from before the reset'));
    expect(breaker.state).toBe('closed');
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });
});

describe('CircuitBreaker.disable', () => {
  it('runs every call, counts outcomes and never opens', async () => {
    const { breaker, log } = setup();
    const failures: unknown[] = [];
    breaker.onFailure((e) => failures.push(e.error));
    breaker.disable();
    expect(breaker.state).toBe('disabled');
    for (let i = 0; i < 5; i++) await expect(breaker.execute(fail)).rejects.toThrow('boom');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    breaker.acquire().failed(new Error('by hand'));
    expect(breaker.state).toBe('disabled');
    expect(failures).toHaveLength(6);
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      window: { kind: 'consecutive-failures', failures: 1 },
    });
    breaker.disable();
    expect(log).toEqual(['closed->disabled']);
  });

  it('lets calls through an open circuit until it is closed again', async () => {
    const { breaker, log } = setup();
    await trip(breaker);
    breaker.disable();
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    breaker.close();
    await trip(breaker, 1);
    expect(breaker.state).toBe('closed'); // closing started an empty window
    expect(log).toEqual(['closed->open', 'open->disabled', 'disabled->closed']);
  });

  it('gives way to isolate, and ends an isolation', async () => {
    const { breaker, log } = setup();
    breaker.disable();
    const isolation = breaker.isolate('incident');
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    breaker.disable();
    isolation.dispose(); // the isolation it ended changes nothing
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(log).toEqual(['closed->disabled', 'disabled->isolated', 'isolated->disabled']);
  });

  it('does not count calls that started before it', async () => {
    const { breaker } = setup({ strategy: { kind: 'consecutive-failures', failures: 1 } });
    const inFlight = deferred();
    const call = breaker.execute(() => inFlight.promise);
    breaker.disable();
    inFlight.reject(new Error('before'));
    await call.catch(() => {});
    expect(breaker.snapshot().window).toEqual({ kind: 'consecutive-failures', failures: 0 });
  });
});

describe('CircuitBreaker transitions made by a listener', () => {
  it('emits them in order, after the transition being emitted (close() in onBreak)', async () => {
    const { breaker, log } = setup({ strategy: { kind: 'consecutive-failures', failures: 1 } });
    const seen: string[] = [];
    breaker.onBreak(() => breaker.close());
    breaker.onStateChange((e) => seen.push(`${e.from}->${e.to} (${breaker.state})`));
    await breaker.execute(fail).catch(() => {});
    expect(breaker.state).toBe('closed');
    expect(log).toEqual(['closed->open', 'open->closed']);
    expect(seen).toEqual(['closed->open (closed)', 'open->closed (closed)']);
  });

  it('ends, reported, when listeners answer every transition with another', () => {
    const { breaker } = setup();
    let changes = 0;
    breaker.onStateChange((e) => {
      changes++;
      if (e.to === 'disabled') breaker.close();
      else breaker.disable();
    });
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      breaker.disable();
    } finally {
      subscription.dispose();
    }
    expect(changes).toBe(1_001); // the first and the thousand queued behind it
    expect(reported).toHaveLength(1);
    expect(reported[0]?.source).toBe('@dyno/breaker "db" onStateChange');
    expect(reported[0]?.error).toBeInstanceOf(RangeError);
  });

  it('runs a call as a plain call when an onHalfOpen listener closed the circuit', async () => {
    const { clock, breaker, log } = setup({
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    breaker.onHalfOpen(() => breaker.close());
    await breaker.execute(fail).catch(() => {});
    clock.set(5_000);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(() => breaker.acquire().succeeded()).not.toThrow();
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });
});
