import type { Disposable } from '@dyno/core';
import { ManualClock } from '@dyno/core/testing';
import fc from 'fast-check';
import { CircuitBreaker } from './circuit-breaker.js';
import { type Deferred, deferred } from './test-support/deferred.js';

// A tiny reference model: the same rules written the naive way (a list of timestamped outcomes
// recounted from scratch), against which the breaker is run command by command.
const WINDOW = 1_000;
const BUCKETS = 4;
const WIDTH = WINDOW / BUCKETS;
const MINIMUM = 3;
const OPEN = 500;
const MAX_OPEN = 2_000;
const PROBES = 2;
const SUCCESSES = 2;
const MAX_WAIT = 300;
const LEGAL = new Set([
  'closed->open',
  'closed->isolated',
  'open->half-open',
  'open->isolated',
  'half-open->open',
  'half-open->closed',
  'half-open->isolated',
  'isolated->closed',
]);

type Outcome = 'ok' | 'fail' | 'ignore';
type State = 'closed' | 'open' | 'half-open' | 'isolated';

class Model {
  state: State = 'closed';
  epoch = 0;
  at = 0;
  reopens = 0;
  probes = 0;
  successes = 0;
  isolations = 0;
  outcomes: { t: number; failure: boolean }[] = [];
  origin: number | undefined;
  log: string[] = [];

  go(to: State): void {
    this.log.push(`${this.state}->${to}`);
    this.state = to;
    this.epoch++;
    this.probes = 0;
    this.successes = 0;
  }
  open(now: number, failedProbe: boolean): void {
    this.go('open');
    this.reopens = failedProbe ? this.reopens + 1 : 0;
    this.at = now + Math.min(MAX_OPEN, OPEN * 2 ** this.reopens);
  }
  close(): void {
    this.go('closed');
    this.reopens = 0;
    this.outcomes = [];
    this.origin = undefined;
  }
  refresh(now: number): void {
    if (this.state === 'open' && now >= this.at) this.go('half-open');
    else if (this.state === 'half-open' && this.probes > 0 && now - this.at >= MAX_WAIT) {
      this.open(now, true);
    }
  }
  window(now: number): { calls: number; failures: number } {
    if (this.origin === undefined) return { calls: 0, failures: 0 };
    const origin = this.origin;
    const current = Math.floor((now - origin) / WIDTH);
    const inWindow = this.outcomes.filter(
      (o) => Math.floor((o.t - origin) / WIDTH) > current - BUCKETS,
    );
    return { calls: inWindow.length, failures: inWindow.filter((o) => o.failure).length };
  }
  /** Answers the epoch of an admitted call, or undefined when rejected. */
  admit(now: number): number | undefined {
    if (this.state === 'closed') return this.epoch;
    this.refresh(now);
    if (this.state === 'half-open' && this.probes < PROBES) {
      if (this.probes++ === 0) this.at = now;
      return this.epoch;
    }
    return undefined;
  }
  settle(epoch: number, outcome: Outcome, now: number): void {
    if (this.state !== 'closed') this.refresh(now);
    if (epoch !== this.epoch) return;
    if (this.state === 'closed') {
      if (outcome === 'ignore') return;
      this.origin ??= now;
      this.outcomes.push({ t: now, failure: outcome === 'fail' });
      const { calls, failures } = this.window(now);
      if (calls >= MINIMUM && failures / calls >= 0.5) this.open(now, false);
    } else if (this.state === 'half-open') {
      this.probes--;
      if (outcome === 'ignore') return;
      if (outcome === 'fail') this.open(now, true);
      else if (++this.successes >= SUCCESSES) this.close();
    }
  }
}

type Command =
  | { kind: 'start'; outcome: Outcome }
  | { kind: 'settle'; index: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'read' }
  | { kind: 'isolate' }
  | { kind: 'release' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      outcome: fc.constantFrom<Outcome>('ok', 'fail', 'fail', 'ignore'),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('settle' as const), index: fc.nat(20) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 400 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'read' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'isolate' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'release' as const }) },
);

interface Pending {
  readonly d: Deferred<unknown>;
  readonly outcome: Outcome;
  readonly epoch: number;
  readonly call: Promise<unknown>;
}

async function run(commands: Command[]): Promise<void> {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker({
    clock,
    strategy: { kind: 'time-window', window: WINDOW, buckets: BUCKETS, minimumCalls: MINIMUM },
    openDuration: OPEN,
    backoffFactor: 2,
    maxOpenDuration: MAX_OPEN,
    halfOpenProbes: PROBES,
    halfOpenSuccesses: SUCCESSES,
    halfOpenMaxWait: MAX_WAIT,
    isFailure: (value, kind) => kind === 'error' && value !== 'ignore',
  });
  const model = new Model();
  const log: string[] = [];
  breaker.onStateChange((e) => log.push(`${e.from}->${e.to}`));
  const pending: Pending[] = [];
  const isolations: Disposable[] = [];
  let inFlightProbes = 0;
  for (const c of commands) {
    const now = clock.now();
    if (c.kind === 'start') {
      const d = deferred();
      const wasHalfOpen =
        model.state === 'half-open' || (model.state === 'open' && now >= model.at);
      const epoch = model.admit(now);
      let ran = false;
      const call = breaker
        .execute(() => {
          ran = true;
          return d.promise;
        })
        .catch(() => {});
      expect(ran).toBe(epoch !== undefined);
      if (epoch !== undefined) {
        if (wasHalfOpen) inFlightProbes = model.probes;
        pending.push({ d, outcome: c.outcome, epoch, call });
      } else {
        await call;
      }
    } else if (c.kind === 'settle' && pending.length > 0) {
      const p = pending.splice(c.index % pending.length, 1)[0] as Pending;
      if (p.outcome === 'ok') p.d.resolve('ok');
      else p.d.reject(p.outcome === 'fail' ? new Error('fail') : 'ignore');
      await p.call;
      model.settle(p.epoch, p.outcome, now);
    } else if (c.kind === 'advance') {
      clock.set(now + c.ms);
    } else if (c.kind === 'read') {
      model.refresh(now);
      expect(breaker.state).toBe(model.state);
    } else if (c.kind === 'isolate') {
      isolations.push(breaker.isolate('drill'));
      if (model.isolations++ === 0) model.go('isolated');
    } else if (c.kind === 'release' && isolations.length > 0) {
      (isolations.pop() as Disposable).dispose();
      if (--model.isolations === 0) model.close();
    }
    expect(inFlightProbes).toBeLessThanOrEqual(PROBES);
    expect(log).toEqual(model.log);
    for (const t of log) expect(LEGAL.has(t)).toBe(true);
    if (model.state === 'closed') {
      const w = breaker.snapshot().window as { calls: number; failures: number };
      expect({ calls: w.calls, failures: w.failures }).toEqual(model.window(clock.now()));
    }
  }
  model.refresh(clock.now());
  expect(breaker.state).toBe(model.state);
}

describe('CircuitBreaker against a reference model', () => {
  it('agrees on states, admissions, events and window counts for any sequence of calls', async () => {
    await fc.assert(fc.asyncProperty(fc.array(command, { maxLength: 60 }), run), { numRuns: 150 });
  });

  it('never admits a call while open before the open duration has passed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: OPEN - 1 }), async (wait) => {
        const clock = new ManualClock();
        const b = new CircuitBreaker({
          clock,
          strategy: { kind: 'consecutive-failures', failures: 1 },
          openDuration: OPEN,
        });
        await b.execute(() => Promise.reject(new Error('x'))).catch(() => {});
        clock.set(wait);
        const fn = jest.fn();
        await b.execute(fn).catch(() => {});
        expect(fn).not.toHaveBeenCalled();
      }),
      { numRuns: 50 },
    );
  });
});
