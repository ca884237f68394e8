import { CircuitBreaker } from '@dyno/breaker';
import { ManualClock } from '@dyno/core/testing';
import { Pool } from '@dyno/pool';
import { ConstantBackoff } from '@dyno/retry';
import { service } from './service.js';
import { quickRetry, tripAfter } from './test-support/helpers.js';

/** A manual clock that counts its reads. */
function countingClock(): ManualClock & { readonly reads: number } {
  const clock = new ManualClock();
  const spy = jest.spyOn(clock, 'now');
  return Object.defineProperty(clock, 'reads', { get: () => spy.mock.calls.length }) as never;
}

const allParts = {
  retry: quickRetry(3),
  breaker: { strategy: { kind: 'time-window' as const } },
  pool: { concurrency: 2, queue: 2 },
  timeout: 1_000,
};

describe('service layers', () => {
  it('walks the breaker through open, half-open and closed again', async () => {
    const clock = new ManualClock();
    let healthy = false;
    const s = service(() => (healthy ? Promise.resolve('ok') : Promise.reject(new Error('down'))), {
      clock,
      retry: false,
      breaker: tripAfter(2, 1_000),
      fallback: 'fallback',
    });
    const states: string[] = [];
    s.breaker?.onStateChange((e) => states.push(e.to));
    expect(await s()).toBe('fallback');
    expect(await s()).toBe('fallback');
    expect(s.breaker?.state).toBe('open');
    healthy = true;
    expect(await s()).toBe('fallback'); // short-circuited
    clock.set(1_000);
    expect(await s()).toBe('ok'); // the probe
    expect(s.breaker?.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    const counts = s.metrics?.snapshot().counts;
    expect(counts).toMatchObject({ success: 1, failure: 2, shortCircuited: 1 });
  });

  it('gives the permit of a probe whose caller aborted back at once', async () => {
    const clock = new ManualClock();
    let answer: (value: string) => void = () => {};
    const s = service(() => new Promise<string>((resolve) => (answer = resolve)), {
      clock,
      retry: false,
      // the pool's deadline layer releases a caller who aborts, though fn ignores its signal
      timeout: 60_000,
      breaker: tripAfter(1, 1_000),
    });
    s.breaker?.isolate().dispose(); // closes with an empty window: still closed
    const failing = service(() => Promise.reject(new Error('down')), {
      clock,
      retry: false,
      breaker: s.breaker,
    });
    await failing().catch(() => {});
    expect(s.breaker?.state).toBe('open');
    clock.set(1_000);
    const controller = new AbortController();
    const probe = s.withSignal(controller.signal)();
    expect(s.breaker?.state).toBe('half-open');
    // the one probe permit is taken: another call is refused
    await expect(failing()).rejects.toMatchObject({ state: 'half-open' });
    controller.abort(new Error('caller left'));
    await expect(probe).rejects.toThrow('caller left');
    // the permit came back at once: the next call is the probe
    const next = s();
    answer('ok');
    await expect(next).resolves.toBe('ok');
    expect(s.breaker?.state).toBe('closed');
    failing.dispose();
    s.dispose();
  });

  it('lets a call under way at dispose end as it would have, fallback included', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const s = service(
      () => {
        const first = ++calls === 1;
        return new Promise((resolve, reject) =>
          clock.setTimeout(() => (first ? resolve('done') : reject(new Error('down'))), 20),
        );
      },
      { clock, retry: false, fallback: 'fb', pool: { concurrency: 2, queue: 1 } },
    );
    const done = s();
    const failed = s();
    await clock.advance(0);
    s.dispose();
    await clock.advance(20);
    // its metrics were disposed with it: their end of these calls must not become the outcome
    await expect(done).resolves.toBe('done');
    await expect(failed).resolves.toBe('fb');
    await expect(s()).rejects.toMatchObject({ code: 'DYNO_DISPOSED' });
    expect(clock.pending).toBe(0);
  });

  it('lets a call waiting to retry or queued at dispose still make its attempts', async () => {
    const clock = new ManualClock();
    let calls = 0;
    let release: (value: string) => void = () => {};
    const s = service(
      () => {
        calls++;
        if (calls === 1) return new Promise<string>((resolve) => (release = resolve));
        if (calls === 2) return Promise.reject(new Error('blip'));
        return 'retried';
      },
      {
        clock,
        retry: { attempts: 2, backoff: new ConstantBackoff({ delay: 10 }) },
        pool: { concurrency: 1, queue: 1 },
        timeout: false,
      },
    );
    const running = s();
    const queued = s(); // queued behind it; it then fails once and waits 10 ms to retry
    const pool = s.pool as Pool;
    await clock.advance(0);
    s.dispose();
    release('first');
    await clock.advance(10);
    await expect(running).resolves.toBe('first');
    await expect(queued).resolves.toBe('retried');
    expect(calls).toBe(3);
    // the pool it built is left idle, holding nothing
    expect(pool.active + pool.queued).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('reads the clock twice per call: once as the layers enter, once at the end', async () => {
    const clock = countingClock();
    const s = service(async () => 'ok', { clock, ...allParts });
    await s();
    const before = clock.reads;
    await s();
    expect(clock.reads - before).toBe(2);
    s.dispose();
  });

  it('lets fn read a fresh time: the entry reading is not held while fn runs', async () => {
    const clock = countingClock();
    let readsInFn = -1;
    const s = service(
      async () => {
        const before = clock.reads;
        s.breaker?.snapshot(); // reads the breaker's clock, the service's
        readsInFn = clock.reads - before;
        return 'ok';
      },
      { clock, ...allParts },
    );
    await s();
    expect(readsInFn).toBe(1);
    s.dispose();
  });

  it('takes one entry reading per call when a listener calls the service during an entry', async () => {
    const clock = countingClock();
    const s = service(async () => 'ok', { clock, ...allParts });
    await s();
    let nesting = false;
    let nested: Promise<string> | undefined;
    // runs while the outer call enters its pool, after its entry reading was taken
    s.pool?.onStart(() => {
      if (nesting) return;
      nesting = true;
      nested = s();
    });
    const before = clock.reads;
    const outer = s();
    // the outer entry's reading and the nested entry's own: the nested call letting go of its
    // hold did not end the outer's, whose pool deadline still took the outer's reading
    expect(clock.reads - before).toBe(2);
    await expect(Promise.all([outer, nested])).resolves.toEqual(['ok', 'ok']);
    s.dispose();
  });

  it('times every attempt from its own start, retries included', async () => {
    const clock = countingClock();
    let attempt = 0;
    const s = service(
      async () => {
        attempt++;
        clock.set(clock.now() + 10);
        if (attempt < 3) throw new Error('again');
        return 'ok';
      },
      { clock, ...allParts },
    );
    await expect(s()).resolves.toBe('ok');
    const latency = s.metrics?.snapshot().latency;
    expect(latency?.count).toBe(3);
    expect(latency?.percentiles['0']).toBe(10);
    expect(latency?.percentiles['100']).toBe(10);
    s.dispose();
  });

  it("counts its pool's executed tasks and max active without listening to each start", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = service(() => gate.then(() => 'ok'), { ...allParts, clock: new ManualClock() });
    const started: string[] = [];
    const calls = [s(), s()];
    expect(s.pool?.active).toBe(2);
    release();
    await Promise.all(calls);
    await s();
    expect(s.metrics?.snapshot().pool).toMatchObject({ executed: 3, maxActive: 2, active: 0 });
    // a listener of the user's own is still called
    s.pool?.onStart((e) => started.push(e.name));
    await s();
    expect(started).toEqual([s.name]);
    expect(s.metrics?.snapshot().pool).toMatchObject({ executed: 4 });
    s.dispose();
  });

  it('listens to the starts of a shared pool, which runs other tasks too', async () => {
    const pool = new Pool({ concurrency: 4 });
    const s = service(async () => 'ok', { ...allParts, pool, clock: new ManualClock() });
    await pool.execute(async () => 'not the service');
    await s();
    expect(s.metrics?.snapshot().pool).toMatchObject({ executed: 2, maxActive: 1 });
    s.dispose();
  });

  it('hands no reading to a shared breaker that has a clock of its own', async () => {
    const own = countingClock();
    const breaker = new CircuitBreaker({ clock: own, strategy: { kind: 'time-window' } });
    const s = service(async () => 'ok', { ...allParts, clock: countingClock(), breaker });
    // the breaker read its clock once when it was built, to check it
    const before = own.reads;
    await s();
    // the time window counted the success at a time read from its own clock
    expect(own.reads - before).toBe(1);
    s.dispose();
  });

  it('hands no reading to a breaker built with a clock option of its own', async () => {
    const own = countingClock();
    const s = service(async () => 'ok', {
      ...allParts,
      clock: countingClock(),
      breaker: { clock: own, strategy: { kind: 'time-window' } },
    });
    const before = own.reads;
    await s();
    expect(own.reads - before).toBe(1);
    s.dispose();
  });
});
