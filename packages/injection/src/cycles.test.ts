// Dependency cycles met after a `make`'s first `await` (regressions of the sixth probing round):
// `Memo`'s synchronous flag cannot see them, and such a call used to wait for itself for ever.
import { deferred } from '@dyno/core/testing';
import { CircularDependencyError, DependencyError } from './errors.js';
import { inject } from './inject.js';
import { buildsInFlight } from './internal/memo.js';

const innermost = (error: unknown): unknown => {
  let inner = error;
  while (DependencyError.isInstance(inner)) inner = inner.cause;
  return inner;
};

describe('inject cycles after an await', () => {
  it('rejects once-only builds that need each other after an await, naming the cycle (regression)', async () => {
    let b: () => Promise<string> = async () => 'none';
    const a = inject(
      {
        x: {
          make: async () => {
            await null;
            return b();
          },
          once: true,
        },
      },
      ({ x }) => `a(${x})`,
      { name: 'a' },
    );
    b = inject(
      {
        y: {
          make: async () => {
            await null;
            return a();
          },
          once: true,
        },
      },
      ({ y }) => `b(${y})`,
      { name: 'b' },
    );
    const inner = innermost(await a().catch((e: unknown) => e));
    expect(inner).toBeInstanceOf(CircularDependencyError);
    expect(inner).toMatchObject({
      dependency: 'x',
      source: 'a',
      cycle: ['a.x', 'b.y', 'a.x'],
      message:
        'Dependency "x" was asked for its own value while building it (a dependency cycle: a.x → b.y → a.x)',
    });
    // nothing is cached: without the cycle, the next call builds it
    b = async () => 'ok';
    await expect(a()).resolves.toBe('a(ok)');
  });

  it('rejects a once-only build whose make calls its own function through a per-call dependency (regression)', async () => {
    let outer: () => Promise<number> = async () => 0;
    const viaPerCall = inject(
      {
        p: async () => {
          await null;
          return outer();
        },
      },
      ({ p }) => p,
    );
    outer = inject(
      {
        x: {
          make: async () => {
            await null;
            return viaPerCall();
          },
          once: true,
        },
      },
      ({ x }) => x + 1,
      { name: 'outer', once: false },
    );
    // the per-call build runs inside x's build: x would wait for itself
    expect(innermost(await outer().catch((e: unknown) => e))).toMatchObject({
      code: 'DYNO_CIRCULAR_DEPENDENCY',
      cycle: ['outer.x', 'outer.x'],
    });
  });

  it('takes the fallback of the dependency that closes the cycle', async () => {
    let b: () => Promise<number> = async () => 0;
    const a = inject(
      {
        x: {
          make: async () => {
            await null;
            return b();
          },
          once: true,
        },
      },
      ({ x }) => x + 1,
    );
    b = inject({ y: { make: async () => a(), once: true, fallback: 10 } }, ({ y }) => y * 2);
    // a.x → b.y → a.x: b's y takes its fallback, so b answers 20 and a 21
    await expect(a()).resolves.toBe(21);
  });

  it('lets concurrent calls share a once-only build that is no cycle', async () => {
    const gate = deferred<number>();
    const shared = inject({ x: { make: () => gate.promise, once: true } }, ({ x }) => x);
    const user = inject(
      {
        y: {
          make: async () => {
            await null;
            return shared();
          },
          once: true,
        },
      },
      ({ y }) => y + 1,
    );
    const first = shared();
    const second = user();
    gate.resolve(1);
    await expect(first).resolves.toBe(1);
    await expect(second).resolves.toBe(2);
  });
});

describe('inject cycle tracking', () => {
  it('is on only while a once-only build is in flight, so promise hooks do not stay on', async () => {
    const gate = deferred<number>();
    const hung = deferred<number>();
    const once = inject({ x: { make: () => gate.promise, once: true } }, ({ x }) => x);
    const stuck = inject({ y: { make: () => hung.promise, once: true } }, ({ y }) => y);
    const perCall = inject({ z: () => 1 }, ({ z }) => z);
    const call = once();
    const stuckCall = stuck();
    await perCall(); // per-call builds are not tracked
    expect(buildsInFlight()).toBe(2);
    gate.resolve(1);
    await call;
    expect(buildsInFlight()).toBe(1);
    stuck.reset(); // a detached build is nobody's to join
    expect(buildsInFlight()).toBe(0);
    hung.resolve(2);
    await expect(stuckCall).resolves.toBe(2);
  });
});
