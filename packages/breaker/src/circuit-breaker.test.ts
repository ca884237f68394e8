import { inspect } from 'node:util';
import { DynoError } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError, ProbeTimeoutError } from './errors.js';
import { deferred, fail, ok } from './test-support/deferred.js';
import { setup } from './test-support/setup.js';

async function trip(breaker: CircuitBreaker, times = 2): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.execute(fail).catch(() => {});
}

describe('CircuitBreaker', () => {
  it('opens after the strategy trips and rejects at once with BrokenCircuitError', async () => {
    const { breaker, log } = setup();
    const breaks: unknown[] = [];
    breaker.onBreak((e) => breaks.push(e));
    const boom = new Error('boom');
    await expect(breaker.execute(fail)).rejects.toThrow('boom');
    await expect(breaker.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(breaker.state).toBe('open');
    expect(breaks).toEqual([{ name: 'db', reason: boom }]);
    const fn = jest.fn();
    const error = await breaker.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toBeInstanceOf(DynoError);
    expect(BrokenCircuitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'BrokenCircuitError',
      code: 'DYNO_BROKEN',
      source: 'db',
      state: 'open',
      reason: boom,
      cause: boom,
      retryAfter: 5_000,
      message: 'The circuit "db" is open',
    });
    expect(log).toEqual(['closed->open']);
  });

  it('moves to half-open lazily from the clock, with no timer', async () => {
    const { clock, breaker, log } = setup();
    const halfOpen = jest.fn();
    breaker.onHalfOpen(halfOpen);
    await trip(breaker);
    expect(clock.pending).toBe(0);
    clock.set(4_999);
    await expect(breaker.execute(ok)).rejects.toThrow(BrokenCircuitError);
    expect(breaker.state).toBe('open');
    clock.set(5_000);
    expect(halfOpen).not.toHaveBeenCalled();
    expect(breaker.state).toBe('half-open');
    expect(halfOpen).toHaveBeenCalledWith({ name: 'db' });
    expect(log).toEqual(['closed->open', 'open->half-open']);
  });

  it('closes after M successful probes and admits N probes at a time', async () => {
    const { clock, breaker, log } = setup({ halfOpenProbes: 2, halfOpenSuccesses: 3 });
    const resets = jest.fn();
    breaker.onReset(resets);
    await trip(breaker);
    clock.set(5_000);
    const a = deferred();
    const b = deferred();
    const pa = breaker.execute(() => a.promise);
    const pb = breaker.execute(() => b.promise);
    const rejected = await breaker.execute(ok).catch((e: unknown) => e);
    expect(rejected).toMatchObject({ state: 'half-open', retryAfter: undefined });
    a.resolve(1);
    b.resolve(2);
    await Promise.all([pa, pb]);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    expect(resets).toHaveBeenCalledTimes(1);
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('re-opens on a failed probe and backs off up to the maximum', async () => {
    const { clock, breaker } = setup({ backoffFactor: 2, maxOpenDuration: 15_000 });
    await trip(breaker);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = await breaker.execute(ok).catch((e: BrokenCircuitError) => e.retryAfter);
      waits.push(before as number);
      clock.set(clock.now() + (before as number));
      await breaker.execute(fail).catch(() => {});
      expect(breaker.state).toBe('open');
    }
    expect(waits).toEqual([5_000, 10_000, 15_000, 15_000]);
    clock.set(clock.now() + 15_000);
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    await trip(breaker);
    expect(breaker.snapshot().openRemaining).toBe(5_000);
  });

  it('forfeits a hung probe after the maximum half-open wait; its late result changes nothing', async () => {
    const { clock, breaker, log } = setup({ halfOpenMaxWait: 1_000 });
    const reasons: unknown[] = [];
    breaker.onBreak((e) => reasons.push(e.reason));
    await trip(breaker);
    clock.set(5_000);
    const hung = deferred();
    const probe = breaker.execute(() => hung.promise);
    clock.set(5_999);
    expect(breaker.state).toBe('half-open');
    clock.set(6_000);
    expect(breaker.state).toBe('open');
    expect(reasons[1]).toBeInstanceOf(ProbeTimeoutError);
    expect(reasons[1]).toMatchObject({ code: 'DYNO_PROBE_TIMEOUT', source: 'db', waited: 1_000 });
    hung.resolve('late');
    await expect(probe).resolves.toBe('late');
    expect(breaker.state).toBe('open');
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
  });

  it('forfeits a hung probe when it settles after the wait even if nobody read the state', async () => {
    const { clock, breaker } = setup({ halfOpenMaxWait: 1_000 });
    await trip(breaker);
    clock.set(5_000);
    const hung = deferred();
    const probe = breaker.execute(() => hung.promise);
    clock.set(7_000);
    hung.resolve('late');
    await probe;
    expect(breaker.state).toBe('open');
  });

  it('releases the permit of a probe that is ignored, throws a non-Error, or is cancelled', async () => {
    const isFailure = (value: unknown) => value !== 'ignore-me';
    const { clock, breaker } = setup({ isFailure });
    await trip(breaker);
    clock.set(5_000);
    await expect(breaker.execute(() => Promise.reject('ignore-me'))).rejects.toBe('ignore-me');
    expect(breaker.state).toBe('half-open');
    const controller = new AbortController();
    const hung = deferred();
    const probe = breaker.execute(() => hung.promise, { signal: controller.signal });
    await expect(breaker.execute(ok)).rejects.toThrow(BrokenCircuitError);
    controller.abort(new Error('caller gave up'));
    // the permit is back at once, before the probe settles
    const next = deferred();
    const second = breaker.execute(() => next.promise);
    hung.reject(new Error('aborted'));
    await expect(probe).rejects.toThrow('aborted');
    expect(breaker.state).toBe('half-open');
    next.reject(undefined);
    await expect(second).rejects.toBeUndefined();
    expect(breaker.state).toBe('open');
  });

  it('ignores results of calls started before a state change', async () => {
    const { clock, breaker, log } = setup();
    const slow = [deferred(), deferred(), deferred()];
    const calls = slow.map((d) => breaker.execute(() => d.promise).catch(() => {}));
    await trip(breaker);
    for (const d of slow) d.reject(new Error('late'));
    await Promise.all(calls);
    expect(log).toEqual(['closed->open']);
    // a call from an earlier closed epoch fails after the circuit opened and closed again
    const stale = deferred();
    clock.set(5_000);
    await breaker.execute(ok);
    const late = breaker.execute(() => stale.promise).catch(() => {});
    await trip(breaker);
    clock.set(10_000);
    await breaker.execute(ok);
    await trip(breaker, 1);
    stale.reject(new Error('late'));
    await late;
    expect(breaker.state).toBe('closed');
  });

  it('counts an error that isFailure rejects as neither success nor failure', async () => {
    const isFailure = jest.fn((value: unknown, kind: 'error' | 'result') =>
      kind === 'error' ? !(value instanceof TypeError) : value === 503,
    );
    const { breaker } = setup({ isFailure });
    const outcomes: string[] = [];
    breaker.onSuccess(() => outcomes.push('success'));
    breaker.onFailure((e) => outcomes.push(`failure:${String(e.error)}`));
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(() => Promise.reject(new TypeError('no'))).catch(() => {});
    await expect(breaker.execute(() => 503)).resolves.toBe(503);
    expect(breaker.state).toBe('open');
    expect(outcomes).toEqual([
      'failure:Error: boom',
      'failure:a result judged a failure by isFailure',
    ]);
    expect(isFailure).toHaveBeenCalledWith(503, 'result');
  });

  it('counts a non-Error throwable as a failure', async () => {
    const { breaker } = setup();
    for (let i = 0; i < 2; i++) {
      await breaker
        .execute(() => {
          throw 'text';
        })
        .catch(() => {});
    }
    expect(breaker.state).toBe('open');
  });

  it('reports durations only when someone listens, and passes the signal to fn', async () => {
    const { clock, breaker } = setup();
    const durations: number[] = [];
    breaker.onSuccess((e) => durations.push(e.duration));
    breaker.onFailure((e) => durations.push(e.duration));
    const d = deferred();
    const call = breaker.execute(() => d.promise);
    await clock.advance(30);
    d.resolve(1);
    await call;
    await breaker.execute(fail).catch(() => {});
    expect(durations).toEqual([30, 0]);
    const signal = new AbortController().signal;
    await expect(breaker.execute((ctx) => ctx.signal, { signal })).resolves.toBe(signal);
    await expect(breaker.execute((ctx) => ctx.signal.aborted)).resolves.toBe(false);
  });

  it('rejects an already-aborted signal before fn runs and counts an aborted call as neither', async () => {
    const { breaker } = setup();
    const controller = new AbortController();
    controller.abort('why');
    const fn = jest.fn();
    await expect(breaker.execute(fn, { signal: controller.signal })).rejects.toBe('why');
    expect(fn).not.toHaveBeenCalled();
    for (let i = 0; i < 3; i++) {
      const c = new AbortController();
      await breaker
        .execute(
          () => {
            c.abort();
            throw new Error('cancelled');
          },
          { signal: c.signal },
        )
        .catch(() => {});
    }
    expect(breaker.state).toBe('closed');
  });

  it('turns a synchronous throw into a rejection and adopts thenables', async () => {
    const { breaker } = setup();
    const error = new Error('sync');
    await expect(
      breaker.execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    const thenable: PromiseLike<number> = {
      then: (resolve) => Promise.resolve(resolve?.(7)) as never,
    };
    await expect(breaker.execute(() => thenable)).resolves.toBe(7);
  });

  it('emits onReject with the state for each short-circuited call', async () => {
    const { breaker } = setup();
    const rejects: unknown[] = [];
    breaker.onReject((e) => rejects.push(e));
    await trip(breaker);
    await breaker.execute(ok).catch(() => {});
    expect(rejects).toEqual([{ name: 'db', state: 'open' }]);
  });

  it('refuses with a promise still pending when returned, handled before it rejects', async () => {
    // a promise born rejected costs Node's unhandled-rejection bookkeeping, more than the rest
    // of a refused call (decision 96): the refusal rejects one microtask later
    const { breaker } = setup();
    await trip(breaker);
    const refused = breaker.execute(ok);
    const shown = inspect(refused);
    await expect(refused).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(shown).toMatch(/^Promise \{\s*<pending>/);
  });

  it('stays open while isolated and closes when the last isolation is disposed', async () => {
    const { clock, breaker, log } = setup();
    const reasons: unknown[] = [];
    breaker.onBreak((e) => reasons.push(e.reason));
    const first = breaker.isolate('maintenance');
    const second = breaker.isolate('other');
    expect(breaker.state).toBe('isolated');
    clock.set(60_000);
    await expect(breaker.execute(ok)).rejects.toMatchObject({
      state: 'isolated',
      reason: 'maintenance',
    });
    first.dispose();
    first.dispose();
    expect(breaker.state).toBe('isolated');
    second[Symbol.dispose]();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(reasons).toEqual(['maintenance']);
    expect(log).toEqual(['closed->isolated', 'isolated->closed']);
  });

  it('isolates an open circuit and ignores the late results of its calls', async () => {
    const { breaker, log } = setup();
    const d = deferred();
    const call = breaker.execute(() => d.promise).catch(() => {});
    const isolation = breaker.isolate();
    d.reject(new Error('late'));
    await call;
    isolation.dispose();
    await trip(breaker, 1);
    expect(breaker.state).toBe('closed');
    expect(log).toEqual(['closed->isolated', 'isolated->closed']);
  });

  it('uses the Hystrix defaults: a 10 s time window, 20 calls, 50 %, open 5 s', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ clock });
    for (let i = 0; i < 10; i++) await breaker.execute(ok);
    for (let i = 0; i < 9; i++) await breaker.execute(fail).catch(() => {});
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(() => {});
    expect(breaker.state).toBe('open');
    expect(breaker.snapshot().openRemaining).toBe(5_000);
    expect(breaker.name).toMatch(/^breaker#\d+$/);
  });
});

describe('CircuitBreaker.countsAsFailure', () => {
  it('answers as the breaker counts: every error and no result by default, else by isFailure', () => {
    expect(new CircuitBreaker().countsAsFailure(new Error('x'))).toBe(true);
    expect(new CircuitBreaker().countsAsFailure('ok', 'result')).toBe(false);
    const notFound = new Error('404');
    const classified = new CircuitBreaker({
      isFailure: (value, kind) => (kind === 'error' ? value !== notFound : value === 'bad'),
    });
    expect(classified.countsAsFailure(notFound)).toBe(false);
    expect(classified.countsAsFailure(new Error('500'))).toBe(true);
    expect(classified.countsAsFailure('bad', 'result')).toBe(true);
  });
});

describe('CircuitBreaker, a success on a closed circuit', () => {
  it('tells a success listener that subscribed while the call ran, without a duration', async () => {
    const breaker = new CircuitBreaker({ clock: new ManualClock() });
    let finish: (value: string) => void = () => undefined;
    const call = breaker.execute(() => new Promise<string>((resolve) => (finish = resolve)));
    const seen: number[] = [];
    breaker.onSuccess((e) => seen.push(e.duration));
    finish('ok');
    await expect(call).resolves.toBe('ok');
    expect(seen).toEqual([0]);
  });

  it('counts successes as successes: many in a row never open the circuit', async () => {
    const breaker = new CircuitBreaker({
      clock: new ManualClock(),
      strategy: { kind: 'count-window', size: 10, minimumCalls: 5, threshold: 0.5 },
    });
    for (let i = 0; i < 20; i++) await breaker.execute(async () => i);
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().window).toMatchObject({ calls: 10, failures: 0 });
  });

  it('opens on the success that makes a count window reach its minimum over the threshold', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: { kind: 'count-window', size: 4, minimumCalls: 4, threshold: 0.5 },
      openDuration: 5_000,
    });
    const down = () => Promise.reject(new Error('down'));
    await clock.advance(1_000);
    await breaker.execute(down).catch(() => undefined);
    await breaker.execute(down).catch(() => undefined);
    await breaker.execute(async () => 'ok');
    expect(breaker.state).toBe('closed'); // 3 calls, below the minimum
    await breaker.execute(async () => 'ok'); // 2 of 4 failed: 50 %
    expect(breaker.state).toBe('open');
    expect(breaker.snapshot().openRemaining).toBe(5_000);
  });

  it('leaves the window alone when a success from before a transition comes back', async () => {
    const breaker = new CircuitBreaker({ clock: new ManualClock() });
    let finish: (value: string) => void = () => undefined;
    const late = breaker.execute(() => new Promise<string>((resolve) => (finish = resolve)));
    breaker.isolate('maintenance').dispose(); // closed → isolated → closed, window emptied
    finish('late');
    await expect(late).resolves.toBe('late');
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().window).toMatchObject({ calls: 0 });
  });

  it('reads no clock for a judged success of a count-based breaker, but times its opening', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: { kind: 'consecutive-failures', failures: 2 },
      isFailure: (value, kind) => kind === 'error' || value === 'bad',
      openDuration: 5_000,
    });
    const reads = jest.spyOn(clock, 'now');
    await breaker.execute(async () => 'ok');
    await breaker.execute(async () => 'ok');
    expect(reads).not.toHaveBeenCalled();
    await clock.advance(1_000);
    await breaker.execute(async () => 'bad');
    await breaker.execute(async () => 'bad'); // the second failure in a row opens it
    expect(breaker.state).toBe('open');
    expect(reads).toHaveBeenCalled();
    expect(breaker.snapshot().openRemaining).toBe(5_000);
  });

  it('opens on a success once older successes have left the time window', async () => {
    const clock = new ManualClock();
    const strategy = {
      kind: 'time-window',
      window: 10_000,
      buckets: 10,
      minimumCalls: 4,
      threshold: 0.6,
    } as const;
    const breaker = new CircuitBreaker({ clock, strategy });
    const ok = async () => 'ok';
    const down = () => Promise.reject(new Error('down'));
    for (let i = 0; i < 3; i++) await breaker.execute(ok);
    await clock.advance(5_000);
    for (let i = 0; i < 3; i++) await breaker.execute(down).catch(() => undefined);
    expect(breaker.state).toBe('closed'); // 3 of 6 failed: 50 % < 60 %
    await clock.advance(5_500);
    // the three successes have rolled out: 3 failures + this success = 75 % of 4 calls
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('open');
    expect(breaker.snapshot().openRemaining).toBe(5_000);
  });
});
