import { ManualClock } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError } from './errors.js';
import { setup } from './test-support/setup.js';

function trip(breaker: CircuitBreaker): void {
  breaker.acquire().failed(new Error('boom'));
  breaker.acquire().failed(new Error('boom'));
}

/** A tripped breaker whose open duration has just passed: the next call is its probe. */
function waitingForProbe() {
  const s = setup();
  trip(s.breaker);
  s.clock.set(5_000);
  return s;
}

describe('CircuitBreaker.acquire', () => {
  it('counts reported failures and successes as execute would', () => {
    const { breaker, log } = setup();
    breaker.acquire().failed(new Error('one'));
    breaker.acquire().succeeded('ok'); // a success starts the count again
    breaker.acquire().failed(new Error('two'));
    expect(breaker.state).toBe('closed');
    const boom = new Error('three');
    const breaks: unknown[] = [];
    breaker.onBreak((e) => breaks.push(e.reason));
    breaker.acquire().failed(boom);
    expect(breaker.state).toBe('open');
    expect(breaks).toEqual([boom]);
    expect(log).toEqual(['closed->open']);
  });

  it('throws BrokenCircuitError while open, with the time left', () => {
    const { clock, breaker } = setup();
    const rejects: unknown[] = [];
    breaker.onReject((e) => rejects.push(e.state));
    trip(breaker);
    clock.set(1_000);
    let error: unknown;
    try {
      breaker.acquire();
    } catch (e) {
      error = e;
    }
    expect(BrokenCircuitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ state: 'open', retryAfter: 4_000, source: 'db' });
    expect(rejects).toEqual(['open']);
  });

  it('admits one probe when half-open; release gives its permit back', () => {
    const { breaker, log } = waitingForProbe();
    const probe = breaker.acquire();
    expect(breaker.state).toBe('half-open');
    expect(() => breaker.acquire()).toThrow(BrokenCircuitError);
    probe.release();
    const second = breaker.acquire();
    second.succeeded('fine');
    expect(breaker.state).toBe('closed');
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('re-opens when the probe fails', () => {
    const { breaker, log } = waitingForProbe();
    breaker.acquire().failed(new Error('still down'));
    expect(breaker.state).toBe('open');
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
  });

  it('counts only the first report of a permit', () => {
    const { breaker } = setup();
    const permit = breaker.acquire();
    permit.failed(new Error('one'));
    permit.failed(new Error('two'));
    permit.succeeded('late');
    permit.release();
    expect(breaker.state).toBe('closed');
    breaker.acquire().failed(new Error('three'));
    expect(breaker.state).toBe('open');
  });

  it('ignores an outcome reported after the circuit changed state', () => {
    const { clock, breaker } = setup();
    const early = breaker.acquire();
    trip(breaker);
    clock.set(5_000);
    const probe = breaker.acquire();
    early.failed(new Error('from the closed epoch'));
    expect(breaker.state).toBe('half-open');
    probe.succeeded('ok');
    expect(breaker.state).toBe('closed');
  });

  it('classifies with isFailure: a result can fail, an error can be no failure', () => {
    const { breaker } = setup({
      isFailure: (value, kind) =>
        kind === 'result' ? value === 'degraded' : (value as Error).message !== 'not found',
    });
    breaker.acquire().failed(new Error('not found'));
    breaker.acquire().failed(new Error('not found'));
    expect(breaker.state).toBe('closed');
    breaker.acquire().succeeded('degraded');
    breaker.acquire().succeeded('degraded');
    expect(breaker.state).toBe('open');
  });

  it('throws the reason of a signal that has already aborted, admitting nothing', () => {
    const { breaker } = waitingForProbe();
    const reason = new Error('caller gone');
    expect(() => breaker.acquire({ signal: AbortSignal.abort(reason) })).toThrow(reason);
    // the probe permit is still free
    breaker.acquire().succeeded('ok');
    expect(breaker.state).toBe('closed');
  });

  it("gives a probe's permit back as soon as its signal aborts, and counts nothing after", () => {
    const { breaker } = waitingForProbe();
    const controller = new AbortController();
    const probe = breaker.acquire({ signal: controller.signal });
    expect(() => breaker.acquire()).toThrow(BrokenCircuitError);
    controller.abort(new Error('cancelled'));
    const next = breaker.acquire();
    probe.failed(new Error('after the abort'));
    expect(breaker.state).toBe('half-open');
    next.succeeded('ok');
    expect(breaker.state).toBe('closed');
  });

  it('gives a probe permit back once, however it is reported after its signal aborted', () => {
    for (const report of ['failed', 'release'] as const) {
      const { breaker } = waitingForProbe();
      const controller = new AbortController();
      const probe = breaker.acquire({ signal: controller.signal });
      controller.abort();
      if (report === 'failed') probe.failed(controller.signal.reason);
      else probe.release();
      breaker.acquire(); // the one probe permit, free again
      expect(() => breaker.acquire()).toThrow(BrokenCircuitError);
    }
  });

  it('lets a permit of a closed circuit be released, counting nothing', () => {
    const { breaker } = setup();
    breaker.acquire().release();
    breaker.acquire().failed(new Error('one'));
    breaker.acquire().release();
    expect(breaker.state).toBe('closed');
    breaker.acquire().failed(new Error('two'));
    expect(breaker.state).toBe('open');
  });

  it('does not count the failure of a call whose signal aborted', () => {
    const { breaker } = setup({ strategy: { kind: 'consecutive-failures', failures: 1 } });
    const controller = new AbortController();
    const permit = breaker.acquire({ signal: controller.signal });
    controller.abort();
    permit.failed(controller.signal.reason);
    expect(breaker.state).toBe('closed');
  });

  it('uses a reading passed with the outcome instead of reading the clock', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ clock, strategy: { kind: 'time-window' } });
    const now = clock.now();
    const reads = jest.spyOn(clock, 'now');
    breaker.acquire().succeeded('ok', now);
    breaker.acquire().failed(new Error('boom'), now);
    expect(reads).not.toHaveBeenCalled();
    breaker.acquire().succeeded('ok');
    expect(reads).toHaveBeenCalledTimes(1);
    expect(breaker.snapshot().window).toMatchObject({ kind: 'time-window' });
  });

  it('times a call while someone listens for outcomes, and judges slow calls', () => {
    const { clock, breaker } = setup({
      strategy: {
        kind: 'count-window',
        size: 2,
        minimumCalls: 2,
        slowCallDuration: 100,
        slowCallThreshold: 1,
      },
    });
    const durations: number[] = [];
    breaker.onSuccess((e) => durations.push(e.duration));
    for (const ms of [150, 120]) {
      const permit = breaker.acquire();
      clock.set(clock.now() + ms);
      permit.succeeded('slow');
    }
    expect(durations).toEqual([150, 120]);
    expect(breaker.state).toBe('open');
  });

  it('keeps the closed fast path for successes nobody listens to', () => {
    const { breaker } = setup({ strategy: { kind: 'count-window', size: 4, minimumCalls: 4 } });
    for (let i = 0; i < 3; i++) breaker.acquire().succeeded(i);
    breaker.acquire().failed(new Error('one of four'));
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().window).toMatchObject({ kind: 'count-window' });
  });
});

describe('CircuitPermit verdicts', () => {
  const never = () => {
    throw new Error('isFailure must not be asked');
  };

  it('counts a verdict without asking isFailure', () => {
    const isFailure = jest.fn(never);
    const { breaker } = setup({ isFailure });
    breaker.acquire().countFailure(new Error('one'));
    breaker.acquire().countSuccess('ok'); // a success starts the count again
    breaker.acquire().countFailure('bad result', 'result');
    expect(breaker.state).toBe('closed');
    breaker.acquire().release();
    breaker.acquire().countFailure(new Error('two'), 'error', 0);
    expect(breaker.state).toBe('open');
    expect(isFailure).not.toHaveBeenCalled();
  });

  it('closes and re-opens a half-open circuit by verdict', () => {
    const { clock, breaker, log } = waitingForProbe();
    breaker.acquire().countFailure('degraded', 'result');
    clock.set(10_000);
    breaker.acquire().countSuccess();
    expect(breaker.state).toBe('closed');
    expect(log).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });

  it('describes a result counted as a failure, and keeps an error as itself', () => {
    const { breaker } = setup({ isFailure: jest.fn(never) });
    const reasons: unknown[] = [];
    breaker.onFailure((e) => reasons.push(e.error));
    const error = new Error('down');
    breaker.acquire().countFailure({ card: '4111' }, 'result');
    breaker.acquire().countFailure(error);
    expect(reasons).toEqual(['a result judged a failure by isFailure', error]);
  });

  it('counts only the first report, and ignores an error counted after its signal aborted', () => {
    const { breaker } = setup({ strategy: { kind: 'consecutive-failures', failures: 1 } });
    const permit = breaker.acquire();
    permit.countSuccess();
    permit.countFailure(new Error('second report'));
    expect(breaker.state).toBe('closed');
    const controller = new AbortController();
    const aborted = breaker.acquire({ signal: controller.signal });
    controller.abort();
    aborted.countFailure(controller.signal.reason);
    expect(breaker.state).toBe('closed');
  });

  it('takes the slow path for a success someone listens to', () => {
    const { breaker } = setup();
    const successes: unknown[] = [];
    breaker.onSuccess((e) => successes.push(e));
    breaker.acquire().countSuccess('ok');
    expect(successes).toEqual([{ name: 'db', duration: 0 }]);
  });

  it('rejects an unknown kind before reporting anything', () => {
    const { breaker } = setup({ strategy: { kind: 'consecutive-failures', failures: 1 } });
    const permit = breaker.acquire();
    expect(() => permit.countFailure(new Error('x'), 'oops' as never)).toThrow(
      new TypeError('@dyno/breaker: `kind` must be "error" or "result"; received "oops"'),
    );
    expect(breaker.state).toBe('closed');
    permit.countFailure(new Error('x'));
    expect(breaker.state).toBe('open');
  });

  it('refuses a `now` that is not a finite number before reporting anything', () => {
    const { clock, breaker } = setup({ strategy: { kind: 'consecutive-failures', failures: 1 } });
    const permit = breaker.acquire();
    const message =
      "@dyno/breaker: option `now` must be a time in ms on the breaker's clock (a finite number); received";
    expect(() => permit.failed(new Error('x'), Number.NaN)).toThrow(
      new RangeError(`${message} NaN`),
    );
    expect(() => permit.countFailure(new Error('x'), 'error', '5' as never)).toThrow(
      new TypeError(`${message} "5"`),
    );
    expect(() => permit.succeeded('ok', Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => permit.countSuccess('ok', '5' as never)).toThrow(TypeError);
    expect(breaker.state).toBe('closed');
    permit.failed(new Error('x'));
    clock.set(5_000);
    expect(breaker.state).toBe('half-open'); // a NaN open time would have kept it open for good
  });
});
