import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DisposedError, type ListenerErrorEvent, onListenerError } from '@dyno/core';
import { flushPromises } from '@dyno/core/testing';
import { NotRegistered } from './errors.js';
import { Registry } from './registry.js';

class Conn {
  closed = 0;
  constructor(readonly id: string) {}
  dispose(): void {
    this.closed++;
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('Registry provider builds and swaps', () => {
  it('answers a swap made during a build with the new value, and disposes the stale build', () => {
    const registry = new Registry<{ conn: Conn }>();
    const built = new Conn('built');
    const swapped = new Conn('swapped');
    registry.provide(
      'conn',
      ({ registry: r }) => {
        r.replace('conn', swapped); // e.g. a config reload triggered while connecting
        return built;
      },
      { dispose: true },
    );
    expect(registry.get('conn')).toBe(swapped);
    expect(built.closed).toBe(1);
    expect(registry.get('conn')).toBe(swapped);
  });

  it('answers an async build swapped while pending with the new value, and disposes the late one', async () => {
    const registry = new Registry<{ conn: Promise<Conn> }>();
    const pending = deferred<Conn>();
    registry.provide('conn', () => pending.promise, { dispose: true });
    const events: boolean[] = [];
    registry.onReplace((e) => events.push(e.disposed));
    const first = registry.get('conn');
    const next = new Conn('next');
    registry.replace('conn', Promise.resolve(next));
    expect(events).toEqual([false]); // nothing was disposed yet: the build is still running
    const late = new Conn('late');
    pending.resolve(late);
    expect(await first).toBe(next);
    expect(late.closed).toBe(1);
  });

  it('rejects an async build whose key was unregistered or whose registry was disposed meanwhile', async () => {
    const registry = new Registry<{ a: Promise<Conn>; b: Promise<Conn> }>();
    const a = deferred<Conn>();
    const b = deferred<Conn>();
    registry.provide('a', () => a.promise, { dispose: true });
    registry.provide('b', () => b.promise, { dispose: true });
    const getA = registry.get('a');
    const getB = registry.get('b');
    registry.unregister('a');
    const connA = new Conn('a');
    a.resolve(connA);
    await expect(getA).rejects.toBeInstanceOf(NotRegistered);
    expect(connA.closed).toBe(1);
    registry.dispose();
    const connB = new Conn('b');
    b.resolve(connB);
    await expect(getB).rejects.toBeInstanceOf(DisposedError);
    expect(connB.closed).toBe(1);
  });

  it('runs a failing async factory again instead of caching its rejection', async () => {
    const registry = new Registry<{ conn: Promise<Conn> }>();
    const failure = new Error('refused');
    let calls = 0;
    registry.provide('conn', async () => {
      calls++;
      if (calls === 1) throw failure;
      return new Conn('ok');
    });
    const first = registry.get('conn');
    expect(registry.get('conn')).toBe(first); // concurrent gets share the build in flight
    await expect(first).rejects.toBe(failure);
    expect((await registry.get('conn')).id).toBe('ok');
    expect(calls).toBe(2);
    expect(registry.get('conn')).toBe(registry.get('conn'));
  });

  it('disposes an async provider value, not its promise, and says so', async () => {
    const registry = new Registry<{ conn: Promise<Conn> }>();
    const conn = new Conn('c');
    const seen: Conn[] = [];
    registry.provide('conn', async () => conn, { dispose: (c) => void seen.push(c) });
    const events: boolean[] = [];
    registry.onUnregister((e) => events.push(e.disposed));
    await registry.get('conn');
    registry.unregister('conn');
    expect(seen).toEqual([conn]);
    registry.provide('conn', async () => conn, { dispose: true });
    await registry.get('conn');
    registry.unregister('conn');
    expect(conn.closed).toBe(1);
    expect(events).toEqual([true, true]);
  });

  it('reports disposed only when something was disposed', () => {
    const registry = new Registry<{ plain: { n: number }; text: string }>();
    const events: boolean[] = [];
    registry.onReplace((e) => events.push(e.disposed));
    registry.onUnregister((e) => events.push(e.disposed));
    registry.register('plain', { n: 1 }, { dispose: true });
    registry.replace('plain', { n: 2 }, { dispose: true });
    registry.unregister('plain');
    registry.register('text', 'x', { dispose: true });
    registry.unregister('text');
    expect(events).toEqual([false, false, false]);
  });

  it('reports a stale build whose disposer throws, and still answers with the new value', () => {
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    const failure = new Error('close failed');
    try {
      const registry = new Registry<{ port: number }>({ name: 'app' });
      registry.provide(
        'port',
        ({ registry: r }) => {
          r.replace('port', 2);
          return 1;
        },
        {
          dispose: () => {
            throw failure;
          },
        },
      );
      expect(registry.get('port')).toBe(2);
    } finally {
      subscription.dispose();
    }
    expect(reported.map((r) => [r.error, r.source])).toEqual([
      [failure, '@dyno/registry dispose of port in app'],
    ]);
  });

  it('answers a get started in a child with what the child holds after a swap', () => {
    const parent = new Registry<{ port: number }>();
    const child = parent.child();
    parent.provide('port', () => {
      child.register('port', 443);
      parent.unregister('port');
      return 80;
    });
    expect(child.get('port')).toBe(443);
  });

  it('rejects a lifetime of the wrong kind with a TypeError', () => {
    const registry = new Registry<{ port: number }>();
    expect(() => registry.provide('port', () => 1, { lifetime: 5 as never })).toThrow(
      new TypeError(
        '@dyno/registry: option `lifetime` must be one of "once", "scoped", "resolve"; received 5',
      ),
    );
    expect(() => registry.provide('port', () => 1, { lifetime: 'always' as never })).toThrow(
      RangeError,
    );
  });

  it('refuses to own what a resolve-lifetime provider builds, in provide, replace and a config', () => {
    const registry = new Registry<{ conn: object }>();
    const error = new RangeError(
      "@dyno/registry: option `dispose` cannot be used with lifetime 'resolve': a value built at every `get` is its caller's to dispose",
    );
    expect(() =>
      registry.provide('conn', () => ({}), { lifetime: 'resolve', dispose: true }),
    ).toThrow(error);
    expect(() =>
      registry.registerAll({
        conn: { factory: () => ({}), lifetime: 'resolve', dispose: () => {} },
      }),
    ).toThrow(error);
    expect(registry.has('conn')).toBe(false);
    registry.provide('conn', () => ({}), { lifetime: 'resolve', dispose: false });
    expect(() =>
      registry.replaceProvider('conn', () => ({}), { lifetime: 'resolve', dispose: true }),
    ).toThrow(error);
  });
});

describe('Registry refs and memory', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  it('do not keep a replaced value reachable', async () => {
    const registry = new Registry<{ conn: Conn }>();
    const ref = registry.ref('conn');
    let old: Conn | undefined = new Conn('old');
    const weak = new WeakRef(old);
    registry.register('conn', old);
    ref.dispose(); // reads (and binds) a method of the old value
    registry.replace('conn', new Conn('new'));
    old = undefined;
    await flushPromises();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(weak.deref()).toBeUndefined();
    expect(ref.id).toBe('new');
  });

  it('do not keep the functions that a getter makes at each read', async () => {
    const made: WeakRef<Function>[] = [];
    const service = {
      get handler() {
        const fn = (x: number) => x + 1;
        made.push(new WeakRef(fn));
        return fn;
      },
    };
    const registry = new Registry<{ service: typeof service }>();
    registry.register('service', service);
    const ref = registry.ref('service');
    for (let i = 0; i < 100; i++) expect(ref.handler(i)).toBe(i + 1);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(made.filter((w) => w.deref() !== undefined)).toHaveLength(0);
    // a method read twice is still the same function while the value is unchanged
    expect(ref.hasOwnProperty).toBe(ref.hasOwnProperty);
  });
});
