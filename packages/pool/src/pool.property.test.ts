import { flushPromises, ManualClock } from '@dyno/core/testing';
import fc from 'fast-check';
import { Pool } from './pool.js';
import { type Deferred, deferred } from './test-support/deferred.js';

type Command =
  | {
      readonly kind: 'submit';
      readonly task: 'gate' | 'throw' | 'value';
      readonly abortable: boolean;
    }
  | { readonly kind: 'finish'; readonly pick: number; readonly fail: boolean }
  | { readonly kind: 'abort'; readonly pick: number }
  | { readonly kind: 'advance'; readonly ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      task: fc.constantFrom('gate' as const, 'gate' as const, 'throw' as const, 'value' as const),
      abortable: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('finish' as const),
      pick: fc.nat(),
      fail: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 1, max: 80 }),
    }),
  },
);

const options = fc.record({
  concurrency: fc.integer({ min: 1, max: 4 }),
  queue: fc.integer({ min: 0, max: 8 }),
  maxWait: fc.constantFrom(false as const, 50, 120),
  timeout: fc.constantFrom(false as const, 40, 100),
});

describe('Pool properties', () => {
  it('keeps its limits, FIFO order, and settles every call exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(options, fc.array(command, { maxLength: 60 }), async (opts, commands) => {
        const clock = new ManualClock();
        const pool = new Pool({ ...opts, clock });
        const gates = new Map<number, Deferred<number>>();
        const controllers = new Map<number, AbortController>();
        const started: number[] = [];
        const settled = new Map<number, number>();
        const calls: Promise<unknown>[] = [];
        const check = (): void => {
          expect(pool.active).toBeLessThanOrEqual(opts.concurrency);
          expect(pool.queued).toBeLessThanOrEqual(opts.queue);
          expect(pool.active).toBeGreaterThanOrEqual(0);
          expect(pool.queued).toBeGreaterThanOrEqual(0);
        };
        let next = 0;
        for (const c of commands) {
          if (c.kind === 'submit') {
            const id = next++;
            const controller = c.abortable ? new AbortController() : undefined;
            if (controller) controllers.set(id, controller);
            const call = pool.execute(
              () => {
                started.push(id);
                if (c.task === 'throw') throw 'not an Error';
                if (c.task === 'value') return id;
                const gate = deferred<number>();
                gates.set(id, gate);
                return gate.promise;
              },
              { signal: controller?.signal },
            );
            const count = (): void => {
              settled.set(id, (settled.get(id) ?? 0) + 1);
            };
            calls.push(call.then(count, count));
          } else if (c.kind === 'finish' && gates.size > 0) {
            const [id, gate] = [...gates][c.pick % gates.size] as [number, Deferred<number>];
            gates.delete(id);
            if (c.fail) gate.reject(new Error('task failed'));
            else gate.resolve(id);
            await flushPromises();
          } else if (c.kind === 'abort' && controllers.size > 0) {
            // prefer calls still waiting in the queue: that is where aborts matter most
            const waiting = [...controllers].filter(
              ([id]) => !started.includes(id) && !settled.has(id),
            );
            const candidates = waiting.length > 0 ? waiting : [...controllers];
            const [id, controller] = candidates[c.pick % candidates.length] as [
              number,
              AbortController,
            ];
            controllers.delete(id);
            controller.abort();
            await flushPromises();
          } else if (c.kind === 'advance') {
            await clock.advance(c.ms);
          }
          check();
        }
        // let everything finish
        // (a queued call that starts makes a new gate, so repeat until none is left)
        for (;;) {
          await clock.runAll();
          if (gates.size === 0) break;
          for (const [id, gate] of gates) {
            gates.delete(id);
            gate.resolve(id);
          }
          await flushPromises();
        }
        await Promise.all(calls);
        check();
        expect([...started]).toEqual([...started].sort((a, b) => a - b));
        expect(new Set(started).size).toBe(started.length);
        expect(settled.size).toBe(next);
        for (const n of settled.values()) expect(n).toBe(1);
        expect([pool.active, pool.queued, clock.pending]).toEqual([0, 0, 0]);
        // permits at rest equal the limit
        const rest = Array.from({ length: opts.concurrency }, () => deferred<number>());
        const again = rest.map((g) => pool.execute(() => g.promise));
        expect(pool.active).toBe(opts.concurrency);
        expect(pool.queued).toBe(0);
        for (const g of rest) g.resolve(1);
        await Promise.all(again);
        expect(pool.active).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
