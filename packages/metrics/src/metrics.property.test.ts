import { ManualClock } from '@dyno/core/testing';
import { Histogram, percentile } from '@dyno/stats';
import fc from 'fast-check';
import { Metrics } from './metrics.js';
import { OUTCOMES, type Outcome } from './outcome.js';
import { LATENCY_PERCENTILES, type PercentileKey } from './snapshot.js';

type Op =
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'record'; readonly outcome: Outcome; readonly latency: number | undefined }
  | { readonly kind: 'read' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 70_000 })),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      outcome: fc.constantFrom(...OUTCOMES),
      latency: fc.option(
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1e4, noNaN: true })),
        { nil: undefined },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'read' as const }) },
);

interface Event {
  readonly at: number;
  readonly outcome: Outcome;
  readonly latency: number | undefined;
}

describe('Metrics (property)', () => {
  it('rolling counts and percentiles equal a naive reference over the same window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1e6 }),
        fc.array(op, { maxLength: 120 }),
        async (start, ops) => {
          const clock = new ManualClock(start);
          const m = new Metrics({ clock });
          const events: Event[] = [];
          const check = (): void => {
            const t = clock.now();
            const s = m.snapshot();
            const inCounters = events.filter(
              (e) => Math.floor(e.at / 1000) > Math.floor(t / 1000) - 10,
            );
            for (const outcome of OUTCOMES) {
              const key = outcome.replace(/-(\w)/g, (_, c: string) =>
                c.toUpperCase(),
              ) as keyof typeof s.counts;
              expect(s.counts[key]).toBe(inCounters.filter((e) => e.outcome === outcome).length);
              expect(s.totals[key]).toBe(events.filter((e) => e.outcome === outcome).length);
            }
            const latencies = events
              .filter(
                (e) =>
                  e.latency !== undefined && Math.floor(e.at / 10_000) > Math.floor(t / 10_000) - 6,
              )
              .map((e) => e.latency as number);
            expect(s.latency.count).toBe(latencies.length);
            if (latencies.length === 0) {
              expect(s.latency.mean).toBeNull();
              return;
            }
            const reference = new Histogram();
            for (const v of latencies) reference.record(v);
            const expected = reference.percentiles(LATENCY_PERCENTILES);
            LATENCY_PERCENTILES.forEach((p, i) => {
              const got = s.latency.percentiles[String(p) as PercentileKey] as number;
              expect(got).toBe(expected[i]);
              // and within the histogram's precision (0.78 %, or its 1 µs floor) of the exact rank
              const exact = percentile(p, latencies);
              expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.008 + 0.001);
            });
            expect(s.latency.percentiles['0']).toBe(Math.min(...latencies));
            expect(s.latency.percentiles['100']).toBe(Math.max(...latencies));
            expect(s.latency.mean).toBeCloseTo(
              latencies.reduce((a, b) => a + b, 0) / latencies.length,
              6,
            );
          };
          for (const o of ops) {
            if (o.kind === 'advance') clock.set(clock.now() + o.ms);
            else if (o.kind === 'read') check();
            else {
              m.record(o.outcome, o.latency);
              events.push({ at: clock.now(), outcome: o.outcome, latency: o.latency });
            }
          }
          check();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the rolling maximum in flight equals the highest level reached within the window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ begin: fc.boolean(), ms: fc.integer({ min: 0, max: 3000 }) }), {
          maxLength: 80,
        }),
        async (steps) => {
          const clock = new ManualClock();
          const m = new Metrics({ clock });
          const levels: { at: number; level: number }[] = [{ at: 0, level: 0 }];
          let level = 0;
          for (const step of steps) {
            clock.set(clock.now() + step.ms);
            if (step.begin) {
              m.begin();
              level++;
            } else if (level > 0) {
              m.end('success', clock.now());
              level--;
            } else continue;
            levels.push({ at: clock.now(), level });
          }
          const t = clock.now();
          const from = (Math.floor(t / 1000) - 9) * 1000;
          // the level when the window opened, and every level reached inside it
          const before = levels.filter((l) => l.at < from).pop();
          const inside = levels.filter((l) => l.at >= from).map((l) => l.level);
          const expected = Math.max(before?.level ?? 0, ...inside);
          expect(m.snapshot().maxInFlight).toBe(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
