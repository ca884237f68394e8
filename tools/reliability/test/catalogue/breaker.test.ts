import { BrokenCircuitError, CircuitBreaker } from '@dyno/breaker';
import { ManualClock } from '@dyno/core/testing';
import { fullGc } from '../support/gc.js';

// The peers' circuit-breaker bugs, one regression test each (see docs/reliability.md).

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = unknown>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const fail = (): Promise<never> => Promise.reject(new Error('down'));
const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => value,
    (error: unknown) => error,
  );

describe('peer bug: late failures of calls started before a break re-firing the break (Polly#219)', () => {
  it('emits one break for one opening, however many calls started earlier fail afterwards', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      openDuration: 1_000,
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    const breaks: unknown[] = [];
    breaker.onBreak((event) => breaks.push(event.reason));
    const slow = Array.from({ length: 5 }, () => deferred());
    const running = slow.map((d) => settle(breaker.execute(() => d.promise)));
    await settle(breaker.execute(fail));
    expect(breaker.state).toBe('open');
    await clock.advance(600);
    for (const d of slow) d.reject(new Error('late'));
    await Promise.all(running);
    expect(breaks).toHaveLength(1);
    // nor did the late failures push the end of the open period back
    await clock.advance(400);
    expect(breaker.state).toBe('half-open');
  });

  it('does not close an open circuit when a call started before the break succeeds late (opossum#381)', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    const slow = deferred();
    const running = settle(breaker.execute(() => slow.promise));
    await settle(breaker.execute(fail));
    slow.resolve('ok');
    expect(await running).toBe('ok');
    expect(breaker.state).toBe('open');
  });
});

describe('peer bug: half-open permits never returned by cancelled or ignored calls (stuck half-open; resilience4j#903)', () => {
  async function halfOpen(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      openDuration: 1_000,
      strategy: { kind: 'consecutive-failures', failures: 1 },
      ...options,
    });
    await settle(breaker.execute(fail));
    await clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    return { clock, breaker };
  }

  it('returns the permit of a probe whose caller aborts, at the abort', async () => {
    const { breaker } = await halfOpen();
    const controller = new AbortController();
    const probe = settle(
      breaker.execute(() => new Promise(() => {}), { signal: controller.signal }),
    );
    await expect(breaker.execute(() => 'second')).rejects.toBeInstanceOf(BrokenCircuitError);
    controller.abort(new Error('gone'));
    void probe;
    // the hung probe's permit is back: the next caller probes and closes the circuit
    await expect(breaker.execute(() => 'next')).resolves.toBe('next');
    expect(breaker.state).toBe('closed');
  });

  it('returns the permit of a probe whose error isFailure says is not a failure', async () => {
    const { breaker } = await halfOpen({
      isFailure: (value, kind) =>
        kind === 'error' && !(value instanceof Error && value.message === 'not found'),
    });
    const notFound = new Error('not found');
    await expect(breaker.execute(() => Promise.reject(notFound))).rejects.toBe(notFound);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(() => 'up')).resolves.toBe('up');
    expect(breaker.state).toBe('closed');
  });

  it('re-opens after halfOpenMaxWait when a probe never settles, instead of staying half-open', async () => {
    const { clock, breaker } = await halfOpen();
    void settle(breaker.execute(() => new Promise(() => {})));
    await clock.advance(999);
    expect(breaker.state).toBe('half-open');
    await clock.advance(1);
    expect(breaker.state).toBe('open');
    await clock.advance(1_000);
    await expect(breaker.execute(() => 'recovered')).resolves.toBe('recovered');
  });
});

describe('peer bug: a 1 ms open duration letting every request through', () => {
  it('admits exactly halfOpenProbes callers once 1 ms has passed, and rejects the rest', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      openDuration: 1,
      strategy: { kind: 'consecutive-failures', failures: 1 },
    });
    await settle(breaker.execute(fail));
    await clock.advance(1);
    const probe = deferred();
    let ran = 0;
    const calls = Array.from({ length: 100 }, (_, i) =>
      settle(
        breaker.execute(() => {
          ran++;
          return i === 0 ? probe.promise : 'x';
        }),
      ),
    );
    await clock.advance(5);
    expect(ran).toBe(1);
    probe.reject(new Error('still down'));
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => BrokenCircuitError.isInstance(o))).toHaveLength(99);
    expect(breaker.state).toBe('open');
  });
});

describe('peer bug: a module-level set keeping every breaker ever made (opossum#363)', () => {
  it('lets 2,000 used and dropped breakers be garbage-collected', async () => {
    const refs: WeakRef<CircuitBreaker>[] = [];
    await (async () => {
      for (let i = 0; i < 2_000; i++) {
        const breaker = new CircuitBreaker({ name: `b${i}` });
        breaker.onStateChange(() => {});
        await breaker.execute(() => i);
        await settle(breaker.execute(fail));
        refs.push(new WeakRef(breaker));
      }
    })();
    await fullGc();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});

describe('peer bug: an error filter\'s "not a failure" still counting against the circuit (opossum#540)', () => {
  it('passes the error through unchanged and neither trips nor counts it', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      clock,
      strategy: { kind: 'consecutive-failures', failures: 2 },
      isFailure: (value, kind) => kind === 'error' && !(value instanceof RangeError),
    });
    const failures: unknown[] = [];
    const successes: unknown[] = [];
    breaker.onFailure((event) => failures.push(event.error));
    breaker.onSuccess(() => successes.push(1));
    const filtered = new RangeError('404');
    for (let i = 0; i < 10; i++) {
      await expect(breaker.execute(() => Promise.reject(filtered))).rejects.toBe(filtered);
    }
    expect(breaker.state).toBe('closed');
    expect(failures).toHaveLength(0);
    expect(successes).toHaveLength(0);
  });
});
