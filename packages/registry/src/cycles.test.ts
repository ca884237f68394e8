// Dependency cycles met after a factory's first `await` (regressions of the sixth probing round):
// the sync `building` flag cannot see them, and such a build used to wait for itself for ever.
import { deferred, never } from '@dyno/core/testing';
import { CircularProvider, NotRegistered } from './errors.js';
import { buildsInFlight } from './internal/build.js';
import { Registry } from './registry.js';

type Keys = { a: number; b: number; c: number };

describe('Registry cycles after an await', () => {
  it('rejects once-providers that ask for each other after an await, naming the cycle (regression)', async () => {
    const registry = new Registry<{ a: Promise<number>; b: Promise<number> }>();
    registry.provide('a', async ({ registry: r }) => {
      await null;
      return (await (r as typeof registry).get('b')) + 1;
    });
    registry.provide('b', async ({ registry: r }) => {
      await null;
      return (await (r as typeof registry).get('a')) + 1;
    });
    const error = await registry.get('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircularProvider);
    expect(error).toMatchObject({
      key: 'a',
      cycle: ['a', 'b', 'a'],
      message: 'The provider of key: "a" asked for its own key while building (a → b → a)',
    });
    // nothing is kept: the keys build again once the cycle is gone
    registry.replace('b', Promise.resolve(1));
    await expect(registry.get('a')).resolves.toBe(2);
  });

  it('rejects async providers that ask for each other through a third after an await (regression)', async () => {
    const registry = new Registry<Keys>();
    const ask = (key: keyof Keys) => async (c: { registry: unknown }) => {
      await null;
      return (await (c.registry as typeof registry).getAsync(key)) + 1;
    };
    registry.provideAsync('a', ask('b'));
    registry.provideAsync('b', ask('c'));
    registry.provideAsync('c', ask('a'));
    const error = await registry.getAsync('a').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DYNO_CIRCULAR_PROVIDER', cycle: ['a', 'b', 'c', 'a'] });
    const failures = await registry.ready().catch((e: { failures: unknown[] }) => e.failures);
    expect(failures).toHaveLength(3);
  });

  it("lets a 'resolve' provider recur after an await: each get builds its own value", async () => {
    const registry = new Registry<{ n: Promise<number> }>();
    let depth = 0;
    registry.provide(
      'n',
      async ({ registry: r }) => {
        await null;
        return ++depth < 3 ? (await (r as typeof registry).get('n')) + 1 : 0;
      },
      { lifetime: 'resolve' },
    );
    await expect(registry.get('n')).resolves.toBe(2);
  });

  it('rejects a scoped provider that asks for itself after an await, in its scope', async () => {
    const root = new Registry<{ s: Promise<number> }>();
    root.provide(
      's',
      async ({ registry: r }) => {
        await null;
        return (await (r as typeof root).get('s')) + 1;
      },
      { lifetime: 'scoped' },
    );
    await expect(root.child().get('s')).rejects.toBeInstanceOf(CircularProvider);
  });

  it('names the cycle of a synchronous re-entry too', () => {
    const registry = new Registry<{ a: number; b: number }>();
    registry.provide('a', ({ registry: r }) => (r as typeof registry).get('b'));
    registry.provide('b', ({ registry: r }) => (r as typeof registry).get('a'));
    expect(() => registry.get('a')).toThrow('(a → b → a)');
  });

  it('lets builds that join a shared build without a cycle wait for it', async () => {
    const registry = new Registry<Keys>();
    const gate = deferred<number>();
    registry.provideAsync('c', () => gate.promise);
    registry.provideAsync('b', async ({ registry: r }) => {
      await null;
      return (await (r as typeof registry).getAsync('c')) + 1;
    });
    // a waits on b and c; b joins c's build too: a diamond, not a cycle
    registry.provideAsync('a', async ({ registry: r }) => {
      const reg = r as typeof registry;
      const [b, c] = await Promise.all([reg.getAsync('b'), reg.getAsync('c')]);
      return b + c;
    });
    const a = registry.getAsync('a');
    const again = registry.getAsync('a');
    gate.resolve(10);
    await expect(a).resolves.toBe(21);
    await expect(again).resolves.toBe(21);
  });

  it('does not count code a factory left running after its build as part of it', async () => {
    const registry = new Registry<{ a: Promise<number> }>();
    const later = deferred<void>();
    let asked: Promise<number> | undefined;
    registry.provide('a', async ({ registry: r }) => {
      void later.promise.then(() => {
        asked = (r as typeof registry).get('a');
      });
      return 1;
    });
    await expect(registry.get('a')).resolves.toBe(1);
    later.resolve();
    await later.promise;
    await expect(asked).resolves.toBe(1);
  });
});

describe('Registry cycle tracking', () => {
  it('is on only while a build is in flight, so promise hooks do not stay on (the storage is disabled)', async () => {
    const registry = new Registry<{ a: Promise<number>; hung: Promise<number> }>();
    const gate = deferred<number>();
    registry.provide('a', () => gate.promise);
    registry.provide('hung', () => never<number>());
    const a = registry.get('a');
    const hung = registry.get('hung');
    expect(buildsInFlight()).toBe(2);
    gate.resolve(1);
    await a;
    expect(buildsInFlight()).toBe(1);
    registry.unregister('hung'); // a build that never settles is let go with its key
    expect(buildsInFlight()).toBe(0);
    await expect(hung).rejects.toBeInstanceOf(NotRegistered);
  });
});
