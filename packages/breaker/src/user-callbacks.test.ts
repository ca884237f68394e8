import { type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { tamperedPromises } from '@dyno/core/testing';
import { CircuitBreaker } from './circuit-breaker.js';
import { BrokenCircuitError } from './errors.js';
import { Fuse } from './fuse.js';
import { deferred, fail, ok } from './test-support/deferred.js';
import { setup } from './test-support/setup.js';

const bug = new Error('classifier bug');
// errors fail, results pass, and the value 'weird' makes the classifier throw
const isFailure = (value: unknown, kind: 'error' | 'result'): boolean => {
  if (value === 'weird') throw bug;
  return kind === 'error';
};
const weird = () => Promise.resolve('weird');
const weirdError = () => Promise.reject('weird');

/** Collects what core's `reportListenerError` reports while `body` runs. */
async function reported(body: () => Promise<void> | void): Promise<ListenerErrorEvent[]> {
  const events: ListenerErrorEvent[] = [];
  const subscription = onListenerError((e) => events.push(e));
  try {
    await body();
  } finally {
    subscription.dispose();
  }
  return events;
}

describe('CircuitBreaker with a throwing isFailure', () => {
  it.each([
    ['the fast path', undefined],
    ['the guarded path', { signal: new AbortController().signal }],
  ])('rejects that call with what it threw and counts nothing, on %s', async (_, options) => {
    const { breaker } = setup({ isFailure });
    await breaker.execute(fail, options).catch(() => {}); // one failure of the two that open
    await expect(breaker.execute(weird, options)).rejects.toBe(bug);
    await expect(breaker.execute(weirdError, options)).rejects.toBe(bug);
    // counted as a failure, it would have opened; as a success, the next failure would not open
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail, options).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it("gives a half-open probe's permit back and stays half-open", async () => {
    const { clock, breaker, log } = setup({ isFailure });
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(fail).catch(() => {});
    clock.set(5_000);
    await expect(breaker.execute(weird)).rejects.toBe(bug);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // the permit was free again
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('throws from a permit report, releasing the permit; later reports are ignored', () => {
    const { clock, breaker } = setup({ isFailure });
    breaker.acquire().failed(new Error('one'));
    breaker.acquire().failed(new Error('two'));
    clock.set(5_000);
    const probe = breaker.acquire();
    expect(() => probe.succeeded('weird')).toThrow(bug);
    expect(() => breaker.acquire().release()).not.toThrow(); // the permit came back
    probe.failed(new Error('late'));
    expect(breaker.state).toBe('half-open');
    const closed = setup({ isFailure }).breaker;
    closed.acquire().failed(new Error('one'));
    expect(() => closed.acquire().failed('weird')).toThrow(bug);
    expect(closed.state).toBe('closed');
    closed.acquire().failed(new Error('two'));
    expect(closed.state).toBe('open');
  });

  it('lets countsAsFailure throw what isFailure threw', () => {
    const { breaker } = setup({ isFailure });
    expect(() => breaker.countsAsFailure('weird', 'result')).toThrow(bug);
    expect(breaker.countsAsFailure('fine', 'result')).toBe(false);
  });
});

describe('CircuitBreaker with an async isFailure', () => {
  // a promise is not `true`: every outcome counted as a success, and the circuit never opened
  it('rejects each call with a TypeError naming isFailure and counts nothing', async () => {
    const { breaker } = setup({ isFailure: (async () => true) as never });
    for (let i = 0; i < 3; i++) {
      await expect(breaker.execute(fail)).rejects.toThrow(
        '@dyno/breaker: `isFailure` must return a boolean; it returned a promise',
      );
    }
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ state: 'closed' });
    expect(() => breaker.countsAsFailure(new Error('x'))).toThrow(TypeError);
  });
});

describe('CircuitBreaker with a throwing listener', () => {
  it('reports it and keeps every result and transition', async () => {
    const { clock, breaker, log } = setup();
    const thrown = new Error('listener bug');
    const throwing = () => {
      throw thrown;
    };
    for (const event of [
      breaker.onStateChange,
      breaker.onBreak,
      breaker.onHalfOpen,
      breaker.onReset,
      breaker.onSuccess,
      breaker.onFailure,
      breaker.onReject,
    ]) {
      event(throwing);
    }
    const events = await reported(async () => {
      await expect(breaker.execute(ok)).resolves.toBe('ok');
      await expect(breaker.execute(fail)).rejects.toThrow('boom');
      await expect(breaker.execute(fail)).rejects.toThrow('boom');
      await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
      clock.set(5_000);
      await expect(breaker.execute(ok)).resolves.toBe('ok');
    });
    // the listener subscribed before the throwing ones still saw every transition
    expect(log).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    expect(breaker.state).toBe('closed');
    expect(events.every((e) => e.error === thrown)).toBe(true);
    expect(new Set(events.map((e) => e.source))).toEqual(
      new Set(
        ['StateChange', 'Break', 'HalfOpen', 'Reset', 'Success', 'Failure', 'Reject'].map(
          (event) => `@dyno/breaker "db" on${event}`,
        ),
      ),
    );
  });

  it('keeps a permit report whole when a listener throws', async () => {
    const { breaker } = setup();
    breaker.onBreak(() => {
      throw new Error('listener bug');
    });
    const events = await reported(() => {
      breaker.acquire().failed(new Error('one'));
      expect(() => breaker.acquire().failed(new Error('two'))).not.toThrow();
    });
    expect(events).toHaveLength(1);
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker.execute with a tampered promise', () => {
  // the closed fast path called the promise's own `then`: the call counted as a success and
  // then a failure, whose rethrow escaped execute; a throwing `constructor` escaped it too
  it.each(tamperedPromises())(
    'counts the one outcome the caller gets for %s, never throwing out of execute',
    async (_, tampered) => {
      const breaker = new CircuitBreaker({
        strategy: { kind: 'consecutive-failures', failures: 1 },
      });
      let call: Promise<unknown> | undefined;
      expect(() => {
        call = breaker.execute(() => tampered);
      }).not.toThrow();
      const got = await (call as Promise<unknown>).then(
        () => 'value',
        () => 'error',
      );
      // one failure opens this circuit; a success leaves it closed
      expect(breaker.state).toBe(got === 'value' ? 'closed' : 'open');
    },
  );
});

describe('CircuitBreaker.execute with something other than a function', () => {
  it.each([
    ['the fast path', undefined],
    ['the guarded path', { signal: new AbortController().signal }],
  ])('rejects naming the argument and counts nothing, on %s', async (_, options) => {
    const breaker = new CircuitBreaker({ strategy: { kind: 'consecutive-failures', failures: 1 } });
    const call = breaker.execute(42 as never, options);
    await expect(call).rejects.toThrow(TypeError);
    await expect(call).rejects.toThrow('@dyno/breaker: `fn` must be a function; received 42');
    expect(breaker.state).toBe('closed'); // one counted failure would have opened it
  });

  it('rejects before taking a half-open probe permit', async () => {
    const { clock, breaker } = setup();
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(fail).catch(() => {});
    clock.set(5_000);
    await expect(breaker.execute(null as never)).rejects.toThrow(
      '@dyno/breaker: `fn` must be a function; received null',
    );
    const probe = deferred();
    const running = breaker.execute(() => probe.promise); // the one permit was still free
    probe.resolve('fine');
    await expect(running).resolves.toBe('fine');
    expect(breaker.state).toBe('closed');
  });
});

describe('a signal that is not an AbortSignal', () => {
  const message = '@dyno/breaker: option `signal` must be an AbortSignal; received';

  it('is refused before taking a half-open probe permit, by execute and acquire', async () => {
    const { clock, breaker } = setup();
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(fail).catch(() => {});
    clock.set(5_000);
    const run = jest.fn(ok);
    const call = breaker.execute(run, { signal: {} as never });
    await expect(call).rejects.toThrow(TypeError);
    await expect(call).rejects.toThrow(`${message} an object`);
    expect(() => breaker.acquire({ signal: null as never })).toThrow(
      new TypeError(`${message} null`),
    );
    expect(run).not.toHaveBeenCalled();
    await expect(breaker.execute(ok)).resolves.toBe('ok'); // the one permit was still free
    expect(breaker.state).toBe('closed');
  });

  it('is refused by a closed circuit and a fuse too, before fn runs', async () => {
    const { breaker } = setup();
    const run = jest.fn(ok);
    await expect(breaker.execute(run, { signal: 'x' as never })).rejects.toThrow(TypeError);
    await expect(new Fuse().execute(run, { signal: {} as never })).rejects.toThrow(
      new TypeError(`${message} an object`),
    );
    expect(run).not.toHaveBeenCalled();
  });
});
