// Fault sweep: every policy of the registry against dependencies that hang, throw non-errors or
// settle twice, and user callbacks that throw. A misbehaving dependency must never leave a key
// that cannot be rebuilt, a registry (or its `ready()`) stuck forever, an unhandled rejection (jest
// fails the test that leaves one) or a crashed process. Nothing here measures time, so no clock.
import { DisposedError } from '@dyno/core';
import {
  deferred,
  flushPromises,
  listenerReports,
  NON_ERRORS,
  never,
  outcome,
  thrown,
  undescribableFailures,
} from '@dyno/core/testing';
import { CircularProvider, NotReady, NotRegistered } from './errors.js';
import { Registry } from './registry.js';

class Conn {
  closed = 0;
  constructor(readonly id: string) {}
  dispose(): void {
    this.closed++;
  }
}

describe('faults (a): dependencies that hang', () => {
  it('a once-provider whose promise never settles blocks neither a swap, nor unregister, nor dispose', async () => {
    const registry = new Registry<{ conn: Promise<Conn> }>();
    const dispose = jest.fn();
    const factory = jest.fn(() => never<Conn>());
    registry.provide('conn', factory, { dispose });
    const hung = registry.get('conn');
    expect(registry.get('conn')).toBe(hung); // shared, the factory not run again
    expect(factory).toHaveBeenCalledTimes(1);
    const next = new Conn('next');
    registry.replace('conn', Promise.resolve(next));
    await expect(registry.get('conn')).resolves.toBe(next);
    expect(registry.unregister('conn')).toBe(true);
    registry.provide('conn', async () => new Conn('rebuilt'));
    await expect(registry.get('conn')).resolves.toMatchObject({ id: 'rebuilt' });
    registry.dispose();
    expect(dispose).not.toHaveBeenCalled(); // nothing landed: nothing to dispose
  });

  it('answers the callers of a hung once-provider build as soon as its key is swapped', async () => {
    const registry = new Registry<{ conn: Promise<Conn> }>();
    registry.provide('conn', () => never<Conn>());
    const waiting = registry.get('conn');
    expect(await outcome(waiting)).toBe('pending');
    const next = new Conn('next');
    registry.replace('conn', Promise.resolve(next));
    expect(await outcome(waiting)).toEqual({ value: next });
  });

  it('answers the callers of a hung async provider, and ready(), as soon as its key is swapped', async () => {
    const registry = new Registry<{ db: Conn }>();
    const factory = jest.fn(() => never<Conn>());
    registry.provideAsync('db', factory);
    const waiting = registry.getAsync('db');
    const joined = registry.getAsync('db');
    const ready = registry.ready();
    expect(factory).toHaveBeenCalledTimes(1); // every caller joins the one build
    expect(await outcome(ready)).toBe('pending');
    const replica = new Conn('replica');
    registry.replace('db', replica);
    expect(await outcome(waiting)).toEqual({ value: replica });
    expect(await outcome(joined)).toEqual({ value: replica });
    expect(await outcome(ready)).toEqual({ value: undefined });
    expect(registry.get('db')).toBe(replica);
  });

  it('rejects the callers of a hung async provider when its key is unregistered or the registry disposed', async () => {
    const registry = new Registry<{ a: Conn; b: Conn }>();
    registry.provideAsync('a', () => never<Conn>());
    registry.provideAsync('b', () => never<Conn>());
    const a = registry.getAsync('a');
    const b = registry.getAsync('b');
    const ready = registry.ready();
    registry.unregister('a');
    expect(await outcome(a)).toEqual({ error: expect.any(NotRegistered) });
    expect(await outcome(ready)).toBe('pending'); // still waiting for `b`
    registry.dispose();
    expect(await outcome(b)).toEqual({ error: expect.any(DisposedError) });
    const settled = await outcome(ready);
    expect(settled).toEqual({ error: expect.any(NotReady) });
    const { error } = settled as { error: NotReady };
    expect(error.failures.map((f) => f.key)).toEqual(['a', 'b']);
  });

  it('lets a hung async provider be rebuilt under the same name, and disposes the hung value if it ever lands', async () => {
    const registry = new Registry<{ db: Conn }>();
    const first = deferred<Conn>();
    registry.provideAsync('db', () => first.promise, { dispose: true });
    const waiting = registry.getAsync('db');
    registry.unregister('db');
    registry.provideAsync('db', async () => new Conn('second'), { dispose: true });
    // the waiter follows the name: the registration made in the same turn answers it
    expect(await outcome(waiting)).toEqual({ value: expect.objectContaining({ id: 'second' }) });
    await registry.ready();
    expect(registry.get('db').id).toBe('second');
    const late = new Conn('late');
    first.resolve(late);
    await flushPromises();
    expect(late.closed).toBe(1);
    expect(registry.get('db').id).toBe('second');
  });

  it('a hung scoped build holds neither its scope nor the other scopes', async () => {
    const root = new Registry<{ conn: Promise<Conn> }>();
    let n = 0;
    root.provide('conn', () => (++n === 1 ? never<Conn>() : Promise.resolve(new Conn(`c${n}`))), {
      lifetime: 'scoped',
      dispose: true,
    });
    const stuck = root.child();
    const hung = stuck.get('conn');
    const other = root.child();
    await expect(other.get('conn')).resolves.toMatchObject({ id: 'c2' });
    stuck.dispose();
    expect(await outcome(hung)).toEqual({ error: expect.any(DisposedError) });
    other.dispose();
  });

  it('a ref to a service that never settles hands back its promise and follows a swap at the next call', async () => {
    const registry = new Registry<{ send: (to: string) => Promise<string> }>();
    const send = registry.ref('send');
    registry.register('send', () => never<string>());
    const hung = send('ann');
    expect(await outcome(hung)).toBe('pending');
    registry.replace('send', async (to) => `sent to ${to}`);
    await expect(send('bob')).resolves.toBe('sent to bob');
    await expect(registry.token('send').make()).resolves.toBe(registry.get('send'));
  });
});

describe('faults (b): dependencies that throw non-errors', () => {
  it.each(NON_ERRORS)(
    'a factory that throws %s: get throws it as is, and the next get runs the factory again',
    (_, value) => {
      const registry = new Registry<{ port: number }>();
      let calls = 0;
      registry.provide('port', () => {
        calls++;
        if (calls < 3) throw value;
        return 80;
      });
      expect(thrown(() => registry.get('port'))).toEqual({ error: value });
      expect(thrown(() => registry.tryGet('port'))).toEqual({ error: value });
      expect(registry.get('port')).toBe(80); // no CircularProvider: the build lock was released
      expect(calls).toBe(3);
    },
  );

  it.each(NON_ERRORS)(
    'a scoped factory that throws %s is run again in the same scope',
    (_, value) => {
      const root = new Registry<{ port: number }>();
      let calls = 0;
      root.provide(
        'port',
        () => {
          if (++calls === 1) throw value;
          return 443;
        },
        { lifetime: 'scoped' },
      );
      const scope = root.child();
      expect(thrown(() => scope.get('port'))).toEqual({ error: value });
      expect(scope.get('port')).toBe(443);
    },
  );

  it.each(NON_ERRORS)(
    'a once-provider promise that rejects with %s rejects get with it, and is not cached',
    async (_, value) => {
      const registry = new Registry<{ conn: Promise<Conn> }>();
      let calls = 0;
      registry.provide('conn', () =>
        ++calls === 1 ? Promise.reject(value) : Promise.resolve(new Conn('ok')),
      );
      const first = registry.get('conn');
      await expect(
        first.then(
          () => 'fulfilled',
          (e: unknown) => ({ e }),
        ),
      ).resolves.toEqual({
        e: value,
      });
      await expect(registry.get('conn')).resolves.toMatchObject({ id: 'ok' });
      await expect(registry.getAsync('conn')).resolves.toMatchObject({ id: 'ok' });
    },
  );

  it.each(NON_ERRORS)(
    'an async factory that throws %s synchronously or rejects with it: getAsync rejects with it, ready() names it, a retry builds',
    async (_, value) => {
      const registry = new Registry<{ sync: Conn; async: Conn }>({ name: 'app' });
      let syncCalls = 0;
      let asyncCalls = 0;
      registry.provideAsync('sync', () => {
        if (++syncCalls === 1) throw value;
        return Promise.resolve(new Conn('sync'));
      });
      registry.provideAsync('async', () =>
        ++asyncCalls <= 2 ? Promise.reject(value) : Promise.resolve(new Conn('async')),
      );
      const outcome = (p: Promise<unknown>) =>
        p.then(
          () => 'fulfilled',
          (e: unknown) => ({ e }),
        );
      expect(await outcome(registry.getAsync('sync'))).toEqual({ e: value });
      expect(await outcome(registry.getAsync('async'))).toEqual({ e: value });
      const error = (await registry.ready().catch((e: unknown) => e)) as NotReady;
      expect(error).toBeInstanceOf(NotReady);
      expect(error.failures).toEqual([{ key: 'async', error: value }]);
      expect(error.cause).toBe(value);
      expect(error.message).toMatch(/^Could not make ready: "async" \(thrown /);
      expect(error.source).toBe('app');
      await registry.ready();
      expect(registry.get('sync').id).toBe('sync');
      expect(registry.get('async').id).toBe('async');
    },
  );

  it('ready() still rejects with NotReady naming a failure that cannot be described', async () => {
    const failures = undescribableFailures();
    const registry = new Registry<Record<string, unknown>>();
    for (const [i, failure] of failures.entries()) {
      registry.provideAsync(`k${i}`, () => Promise.reject(failure));
    }
    const error = (await registry.ready().catch((e: unknown) => e)) as NotReady;
    expect(error).toBeInstanceOf(NotReady);
    // compared one by one: deep equality would read the revoked proxy
    expect(error.failures).toHaveLength(3);
    error.failures.forEach((f, i) => {
      expect(f.error).toBe(failures[i]);
    });
    expect(error.message).toMatch(/^Could not make ready: "k0" \(thrown /);
  });

  it('a once-provider returning a revoked proxy keeps it as its value, as register does', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const registry = new Registry<{ odd: object }>();
    let calls = 0;
    registry.provide('odd', () => {
      calls++;
      return proxy;
    });
    expect(registry.get('odd')).toBe(proxy);
    expect(registry.get('odd')).toBe(proxy);
    expect(calls).toBe(1);
  });

  it('getAsync and a token never throw synchronously, whatever the factory throws', async () => {
    const registry = new Registry<{ port: number }>();
    registry.provide('port', () => {
      throw undefined;
    });
    const viaGet = registry.getAsync('port');
    const viaToken = registry.token('port').make();
    for (const p of [viaGet, viaToken]) {
      await expect(
        p.then(
          () => 'fulfilled',
          (e: unknown) => ({ e }),
        ),
      ).resolves.toEqual({
        e: undefined,
      });
    }
  });

  it.each(NON_ERRORS)(
    'a disposer that throws %s: unregister and replace finish (key removed, event emitted), then throw it',
    (_, value) => {
      const registry = new Registry<{ port: number }>();
      const events: string[] = [];
      registry.onReplace(() => events.push('replace'));
      registry.onUnregister(() => events.push('unregister'));
      const fail = () => {
        throw value;
      };
      registry.register('port', 1, { dispose: fail });
      expect(thrown(() => registry.replace('port', 2, { dispose: fail }))).toEqual({
        error: value,
      });
      expect(registry.get('port')).toBe(2);
      expect(thrown(() => registry.unregister('port'))).toEqual({ error: value });
      expect(registry.has('port')).toBe(false);
      expect(events).toEqual(['replace', 'unregister']);
      registry.register('port', 3); // the name can be used again
      expect(registry.get('port')).toBe(3);
    },
  );

  it('dispose() runs every disposer and throws the first failure even when it is undefined', () => {
    const registry = new Registry<{ a: string; b: string; c: string }>();
    const order: string[] = [];
    registry.register('a', 'a', {
      dispose: () => {
        order.push('a');
        throw 'second failure';
      },
    });
    registry.register('b', 'b', { dispose: (v) => void order.push(v) });
    registry.register('c', 'c', {
      dispose: () => {
        order.push('c');
        throw undefined; // disposed first (reverse order): the one rethrown
      },
    });
    expect(thrown(() => registry.dispose())).toEqual({ error: undefined });
    expect(order).toEqual(['c', 'b', 'a']);
    expect(thrown(() => registry.dispose())).toBeUndefined();
  });

  it('a stale build whose disposer throws a non-error is reported, and get still answers', async () => {
    const seen = await listenerReports(async () => {
      const registry = new Registry<{ conn: Promise<Conn> }>({ name: 'app' });
      const pending = deferred<Conn>();
      registry.provide('conn', () => pending.promise, {
        dispose: () => {
          throw { reason: 'close failed' };
        },
      });
      const first = registry.get('conn');
      const next = new Conn('next');
      registry.replace('conn', Promise.resolve(next));
      pending.resolve(new Conn('late'));
      await expect(first).resolves.toBe(next);
    });
    expect(seen.map((r) => [r.error, r.source])).toEqual([
      [{ reason: 'close failed' }, '@dyno/registry dispose of conn in app'],
    ]);
  });

  it.each(NON_ERRORS)(
    'a service that throws or rejects with %s through a ref: the caller gets it, the ref keeps working',
    async (_, value) => {
      const registry = new Registry<{ sync: () => number; async: () => Promise<number> }>();
      const sync = registry.ref('sync');
      const async = registry.ref('async');
      registry.register('sync', () => {
        throw value;
      });
      registry.register('async', () => Promise.reject(value));
      expect(thrown(() => sync())).toEqual({ error: value });
      expect(
        await async().then(
          () => 'fulfilled',
          (e: unknown) => ({ e }),
        ),
      ).toEqual({ e: value });
      registry.replace('sync', () => 1);
      registry.replace('async', async () => 2);
      expect(sync()).toBe(1);
      await expect(async()).resolves.toBe(2);
    },
  );
});

describe('faults (c): things that settle twice', () => {
  it('an async factory returning a thenable that calls back twice keeps the first value, disposed once', async () => {
    const registry = new Registry<{ db: Conn }>();
    const a = new Conn('a');
    const b = new Conn('b');
    const thenable = {
      then(resolve: (v: Conn) => void, reject: (e: unknown) => void) {
        resolve(a);
        resolve(b);
        reject(new Error('late'));
        throw 'after settling';
      },
    };
    registry.provideAsync('db', () => thenable as unknown as Promise<Conn>, { dispose: true });
    await expect(registry.getAsync('db')).resolves.toBe(a);
    await registry.ready();
    expect(registry.get('db')).toBe(a);
    registry.unregister('db');
    registry.dispose();
    expect([a.closed, b.closed]).toEqual([1, 0]);
  });

  it('a factory promise that resolves and then throws keeps the value', async () => {
    const registry = new Registry<{ conn: Promise<Conn>; db: Conn }>();
    const conn = new Conn('c');
    const resolvesThenThrows = () =>
      new Promise<Conn>((resolve) => {
        resolve(conn);
        throw new Error('after resolve');
      });
    registry.provide('conn', resolvesThenThrows);
    registry.provideAsync('db', resolvesThenThrows);
    await expect(registry.get('conn')).resolves.toBe(conn);
    await registry.ready();
    expect(registry.get('db')).toBe(conn);
  });

  it('dispose() twice, Symbol.dispose then dispose(), or unregister then dispose() disposes each value once', async () => {
    const registry = new Registry<{ a: Conn; b: Promise<Conn>; c: Conn }>();
    const a = new Conn('a');
    const b = new Conn('b');
    const c = new Conn('c');
    registry.register('a', a, { dispose: true });
    registry.provide('b', async () => b, { dispose: true });
    registry.provideAsync('c', async () => c, { dispose: true });
    await registry.get('b');
    await registry.ready();
    registry.unregister('a');
    registry[Symbol.dispose]();
    registry.dispose();
    expect([a.closed, b.closed, c.closed]).toEqual([1, 1, 1]);
  });

  it('a child disposed after its parent disposes its own scoped values once, and the parent nothing twice', () => {
    const root = new Registry<{ conn: Conn }>();
    const built: Conn[] = [];
    const make = () => {
      const conn = new Conn(`c${built.length}`);
      built.push(conn);
      return conn;
    };
    root.provide('conn', make, { lifetime: 'scoped', dispose: true });
    const scope = root.child();
    scope.get('conn');
    root.get('conn');
    root.dispose();
    scope.dispose();
    scope.dispose();
    expect(built.map((c) => c.closed)).toEqual([1, 1]);
  });

  it('a swap racing a pending async provider build: every caller gets the new value, the late one is disposed once', async () => {
    const registry = new Registry<{ db: Conn }>();
    const pending = deferred<Conn>();
    registry.provideAsync('db', () => pending.promise, { dispose: true });
    const first = registry.getAsync('db');
    const second = registry.getAsync('db');
    const next = new Conn('next');
    registry.replace('db', next, { dispose: true });
    const late = new Conn('late');
    pending.resolve(late);
    await expect(first).resolves.toBe(next);
    await expect(second).resolves.toBe(next);
    registry.dispose();
    expect([late.closed, next.closed]).toEqual([1, 1]);
  });

  it('a scoped build that lands after its provider was swapped is disposed once, not again with its scope', async () => {
    const root = new Registry<{ conn: Promise<Conn> }>();
    const pending = deferred<Conn>();
    const disposed: unknown[] = [];
    root.provide('conn', () => pending.promise, {
      lifetime: 'scoped',
      dispose: (c) => void disposed.push(c),
    });
    const scope = root.child();
    const first = scope.get('conn');
    const next = new Conn('next');
    root.replaceProvider('conn', async () => next, { lifetime: 'scoped' });
    const late = new Conn('late');
    pending.resolve(late);
    await expect(first).resolves.toBe(next);
    expect(disposed).toEqual([late]);
    scope.dispose();
    expect(disposed).toEqual([late]); // neither the value again, nor its promise
  });

  it('a sync factory that swaps its own key and then throws leaves the swap in place', () => {
    const registry = new Registry<{ port: number }>();
    registry.provide('port', ({ registry: r }) => {
      r.replace('port', 443);
      throw 'then failed';
    });
    expect(thrown(() => registry.get('port'))).toEqual({ error: 'then failed' });
    expect(registry.get('port')).toBe(443);
  });

  it('an async factory asking for its own key rejects, and leaves the key buildable', async () => {
    const registry = new Registry<{ n: number }>();
    let calls = 0;
    registry.provideAsync('n', ({ registry: r }) =>
      ++calls === 1 ? r.getAsync('n') : Promise.resolve(7),
    );
    await expect(registry.getAsync('n')).rejects.toBeInstanceOf(CircularProvider);
    await expect(registry.getAsync('n')).resolves.toBe(7);
  });
});

describe('faults (d): user callbacks that throw', () => {
  it.each(NON_ERRORS)(
    'listeners that throw %s break no operation, and are reported naming the registry event',
    async (_, value) => {
      const registry = new Registry<{ port: number }>({ name: 'app' });
      const after: string[] = [];
      const fail = () => {
        throw value;
      };
      registry.onRegister(fail);
      registry.onReplace(fail);
      registry.onUnregister(fail);
      registry.onRegister(() => after.push('register'));
      registry.onReplace(() => after.push('replace'));
      registry.onUnregister(() => after.push('unregister'));
      const seen = await listenerReports(() => {
        registry.register('port', 1);
        registry.replace('port', 2);
        expect(registry.get('port')).toBe(2);
        expect(registry.unregister('port')).toBe(true);
        registry.registerAll({ port: { value: 3 } });
      });
      expect(registry.get('port')).toBe(3);
      expect(after).toEqual(['register', 'replace', 'unregister', 'register']);
      expect(seen.map((r) => [r.error, r.source])).toEqual([
        [value, '@dyno/registry onRegister'],
        [value, '@dyno/registry onReplace'],
        [value, '@dyno/registry onUnregister'],
        [value, '@dyno/registry onRegister'],
      ]);
    },
  );

  it('a listener that disposes the registry mid-swap leaves it disposed, not broken', () => {
    const registry = new Registry<{ conn: Conn }>();
    const old = new Conn('old');
    registry.register('conn', old, { dispose: true });
    registry.onReplace(() => registry.dispose());
    const next = new Conn('next');
    registry.replace('conn', next, { dispose: true });
    expect([old.closed, next.closed]).toEqual([1, 1]);
    expect(() => registry.get('conn')).toThrow(DisposedError);
  });

  it('a disposer that throws during a scope dispose leaves the other scoped values disposed', () => {
    const root = new Registry<{ a: Conn; b: Conn }>();
    const b = new Conn('b');
    root.provide('a', () => new Conn('a'), {
      lifetime: 'scoped',
      dispose: () => {
        throw 'a failed';
      },
    });
    root.provide('b', () => b, { lifetime: 'scoped', dispose: true });
    const scope = root.child();
    scope.get('b');
    scope.get('a');
    expect(thrown(() => scope.dispose())).toEqual({ error: 'a failed' });
    expect(b.closed).toBe(1);
    expect(() => scope.get('a')).toThrow(DisposedError);
    expect(root.has('a')).toBe(true);
  });

  it('an async disposer that rejects is reported, never left as an unhandled rejection', async () => {
    const closing = {
      async dispose() {
        throw 'own dispose failed';
      },
    };
    const seen = await listenerReports(async () => {
      const root = new Registry<{ db: object; own: object; pool: object; scoped: object }>({
        name: 'app',
      });
      root.register('db', {}, { dispose: async () => Promise.reject('close failed') });
      root.register('own', closing, { dispose: true });
      root.provide('pool', () => ({}), { dispose: () => Promise.reject(undefined) });
      root.provide('scoped', () => ({}), {
        lifetime: 'scoped',
        dispose: () => Promise.reject('scoped failed'),
      });
      root.get('pool');
      const scope = root.child({ name: 'request' });
      scope.get('scoped');
      root.replace('db', {});
      expect(root.unregister('own')).toBe(true);
      scope.dispose();
      root.dispose();
      await flushPromises();
    });
    // in the order the rejections land, which an async function delays by a few turns
    expect(seen).toHaveLength(4);
    expect(seen.map((r) => [r.error, r.source])).toEqual(
      expect.arrayContaining([
        ['close failed', '@dyno/registry dispose of db in app'],
        ['own dispose failed', '@dyno/registry dispose of own in app'],
        ['scoped failed', '@dyno/registry dispose of a scoped value in request'],
        [undefined, '@dyno/registry dispose of pool in app'],
      ]),
    );
  });
});
