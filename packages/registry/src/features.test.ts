import { DisposedError } from '@dyno/core';
import { flushPromises } from '@dyno/core/testing';
import { AlreadyRegistered, CircularProvider, NotReady, NotRegistered } from './errors.js';
import { Registry } from './registry.js';

class Conn {
  closed = 0;
  constructor(readonly id: string) {}
  dispose(): void {
    this.closed++;
  }
}

describe('Registry.tryGet', () => {
  it('answers undefined for a key nobody has, and the value otherwise', () => {
    const parent = new Registry<{ port: number; host: string }>();
    const registry = parent.child();
    parent.register('port', 80);
    expect(registry.tryGet('port')).toBe(80);
    expect(registry.tryGet('host')).toBeUndefined();
    parent.provide('host', () => {
      throw new Error('no host');
    });
    expect(() => registry.tryGet('host')).toThrow('no host');
    expect(() => registry.tryGet(5 as never)).toThrow(TypeError);
  });
});

describe('Registry async providers', () => {
  it('are not ready before ready(), then answer get synchronously', async () => {
    const registry = new Registry<{ db: Conn; cache: Conn }>({ name: 'app' });
    const started: string[] = [];
    registry.provideAsync('db', async () => {
      started.push('db');
      return new Conn('db');
    });
    registry.provideAsync('cache', async () => {
      started.push('cache');
      return new Conn('cache');
    });
    expect(() => registry.get('db')).toThrow(NotReady);
    expect(() => registry.get('db')).toThrow(
      'The key: "db" has an async provider that is not ready yet; await ready() or use getAsync()',
    );
    const ready = registry.ready();
    expect(started).toEqual(['db', 'cache']); // all started at once
    await ready;
    expect(registry.get('db').id).toBe('db');
    expect(registry.get('cache')).toBe(registry.get('cache'));
    await registry.ready(); // nothing left to build
    expect(started).toEqual(['db', 'cache']);
  });

  it('share a build in flight between getAsync and ready', async () => {
    const registry = new Registry<{ db: Conn }>();
    let builds = 0;
    registry.provideAsync('db', async () => new Conn(`db${++builds}`));
    const [a, b] = await Promise.all([registry.getAsync('db'), registry.getAsync('db')]);
    await registry.ready();
    expect(a).toBe(b);
    expect(builds).toBe(1);
    await expect(registry.getAsync('db')).resolves.toBe(a);
  });

  it('report every failure from ready(), keep the others, and build the failed ones again', async () => {
    const registry = new Registry<{ a: Conn; b: Conn; c: Conn }>({ name: 'app' });
    const down = new Error('down');
    let attempts = 0;
    registry.provideAsync('a', async () => new Conn('a'));
    registry.provideAsync('b', async () => {
      attempts++;
      if (attempts === 1) throw down;
      return new Conn('b');
    });
    registry.provideAsync('c', () => Promise.reject('nope'));
    const error = (await registry.ready().catch((e: unknown) => e)) as NotReady;
    expect(error).toBeInstanceOf(NotReady);
    expect(NotReady.isInstance(error)).toBe(true);
    expect(error.code).toBe('DYNO_NOT_READY');
    expect(error.failures).toEqual([
      { key: 'b', error: down },
      { key: 'c', error: 'nope' },
    ]);
    expect(error.cause).toBe(down);
    expect(error.message).toBe('Could not make ready: "b" (Error: down), "c" (thrown "nope")');
    expect(registry.get('a').id).toBe('a');
    expect(() => registry.get('b')).toThrow(NotReady);
    await expect(registry.getAsync('b')).resolves.toMatchObject({ id: 'b' });
    expect(attempts).toBe(2);
  });

  it('are made ready through a child, which readies its parents', async () => {
    const root = new Registry<{ db: Conn }>();
    root.provideAsync('db', async () => new Conn('db'));
    const child = root.child();
    await child.ready();
    expect(root.get('db')).toBe(child.get('db'));
  });

  it('dispose their value when it leaves, and a build that lands after it left', async () => {
    const registry = new Registry<{ db: Conn }>();
    registry.provideAsync('db', async () => new Conn('first'), { dispose: true });
    const first = await registry.getAsync('db');
    let resolve!: (conn: Conn) => void;
    registry.unregister('db');
    expect(first.closed).toBe(1);
    registry.provideAsync('db', () => new Promise<Conn>((r) => (resolve = r)), { dispose: true });
    const pending = registry.getAsync('db');
    registry.replace('db', new Conn('swapped'));
    const late = new Conn('late');
    resolve(late);
    await expect(pending).resolves.toMatchObject({ id: 'swapped' });
    expect(late.closed).toBe(1);
  });

  it('reject a factory that asks for its own key, and a sync throw', async () => {
    const registry = new Registry<{ a: number; b: number }>();
    registry.provideAsync('a', ({ registry: r }) => r.getAsync('a'));
    await expect(registry.getAsync('a')).rejects.toBeInstanceOf(CircularProvider);
    registry.provideAsync('b', () => {
      throw new Error('sync');
    });
    await expect(registry.getAsync('b')).rejects.toThrow('sync');
  });

  it('answer getAsync for every other kind of key too, never throwing', async () => {
    const registry = new Registry<{ n: number; p: Promise<number> }>();
    registry.register('n', 1);
    registry.provide('p', async () => 2);
    await expect(registry.getAsync('n')).resolves.toBe(1);
    await expect(registry.getAsync('p')).resolves.toBe(2);
    await expect(registry.getAsync('missing' as never)).rejects.toBeInstanceOf(NotRegistered);
    await expect(registry.getAsync(1 as never)).rejects.toBeInstanceOf(TypeError);
    registry.dispose();
    await expect(registry.getAsync('n')).rejects.toBeInstanceOf(DisposedError);
    await expect(registry.ready()).rejects.toBeInstanceOf(DisposedError);
  });
});

describe('Registry scoped providers', () => {
  interface Types {
    requestId: string;
    user: { id: string; request: string };
  }

  it('build once per scope, reading the scope, and are disposed with it', () => {
    const root = new Registry<Types>();
    let n = 0;
    root.provide('requestId', () => `req-${++n}`, { lifetime: 'scoped' });
    const disposed: string[] = [];
    root.provide('user', ({ registry }) => ({ id: 'u', request: registry.get('requestId') }), {
      lifetime: 'scoped',
      dispose: (u) => void disposed.push(u.request),
    });
    const a = root.child({ name: 'a' });
    const b = root.child({ name: 'b' });
    expect(a.get('user')).toBe(a.get('user'));
    expect(a.get('user').request).toBe('req-1');
    expect(b.get('user').request).toBe('req-2');
    expect(b.get('requestId')).toBe('req-2');
    a.dispose();
    expect(disposed).toEqual(['req-1']);
    expect(b.get('user').request).toBe('req-2');
    b[Symbol.dispose]();
    expect(disposed).toEqual(['req-1', 'req-2']);
  });

  it('build once in the registry that has them when asked there, and go when replaced', () => {
    const root = new Registry<{ conn: Conn }>();
    let n = 0;
    root.provide('conn', () => new Conn(`c${++n}`), { lifetime: 'scoped', dispose: true });
    const events: boolean[] = [];
    root.onReplace((e) => events.push(e.disposed));
    const first = root.get('conn');
    expect(root.get('conn')).toBe(first);
    const scope = root.child();
    const scoped = scope.get('conn');
    root.replaceProvider('conn', () => new Conn('new'), { lifetime: 'scoped' });
    expect(first.closed).toBe(1);
    expect(events).toEqual([true]);
    expect(scope.get('conn').id).toBe('new'); // the scope follows the swap
    expect(scoped.closed).toBe(0); // still the scope's, disposed with it
    scope.dispose();
    expect(scoped.closed).toBe(1);
  });

  it('report a scoped provider that asks for its own key', () => {
    const root = new Registry<{ n: number }>();
    root.provide('n', ({ registry }) => registry.get('n') + 1, { lifetime: 'scoped' });
    expect(() => root.child().get('n')).toThrow(CircularProvider);
  });

  it('dispose a scoped build that lands after its scope was disposed', async () => {
    const root = new Registry<{ conn: Promise<Conn> }>();
    let resolve!: (conn: Conn) => void;
    root.provide('conn', () => new Promise<Conn>((r) => (resolve = r)), {
      lifetime: 'scoped',
      dispose: true,
    });
    const scope = root.child();
    const pending = scope.get('conn');
    scope.dispose();
    const conn = new Conn('late');
    resolve(conn);
    await expect(pending).rejects.toBeInstanceOf(DisposedError);
    expect(conn.closed).toBe(1);
  });
});

describe('Registry.registerAll', () => {
  const TOKEN = Symbol('token');
  interface Types {
    port: number;
    db: Conn;
    cache: Conn;
    [TOKEN]: string;
  }

  it('registers values, providers and async providers from a plain object', async () => {
    const registry = new Registry<Types>();
    const registered: unknown[] = [];
    registry.onRegister((e) => registered.push([e.key, e.kind]));
    registry.registerAll({
      port: { value: 5432 },
      db: { factory: ({ registry: r }) => new Conn(`db:${r.get('port')}`), dispose: true },
      cache: { asyncFactory: async () => new Conn('cache') },
      [TOKEN]: { value: 'secret' },
    });
    expect(registered).toEqual([
      ['port', 'value'],
      ['db', 'provider'],
      ['cache', 'provider'],
      [TOKEN, 'value'],
    ]);
    expect(registry.get('db').id).toBe('db:5432');
    await registry.ready();
    expect(registry.get('cache').id).toBe('cache');
    expect(registry.get(TOKEN)).toBe('secret');
  });

  it('registers nothing when any registration is bad or taken', () => {
    const registry = new Registry<Types>();
    registry.register('db', new Conn('x'));
    expect(() =>
      registry.registerAll({ port: { value: 1 }, db: { value: new Conn('y') } }),
    ).toThrow(AlreadyRegistered);
    expect(() =>
      registry.registerAll({ port: { value: 1 }, cache: { factory: 5 } as never }),
    ).toThrow(
      new TypeError('@dyno/registry: option `cache.factory` must be a function; received 5'),
    );
    expect(() => registry.registerAll({ port: { value: 1, lifetime: 'once' } as never })).toThrow(
      new TypeError('@dyno/registry: unknown option `port.lifetime` (known: value, dispose)'),
    );
    expect(() => registry.registerAll({ port: { value: 1, factory: () => 1 } as never })).toThrow(
      new TypeError(
        '@dyno/registry: registration `port` must have exactly one of `value`, `factory`, `asyncFactory`; received value and factory',
      ),
    );
    expect(() => registry.registerAll({ port: {} as never })).toThrow('received none');
    expect(() => registry.registerAll({ port: 5 as never })).toThrow(
      new TypeError(
        '@dyno/registry: registration `port` must be an object with one of `value`, `factory`, `asyncFactory`; received 5',
      ),
    );
    expect(() => registry.registerAll(null as never)).toThrow(
      new TypeError('@dyno/registry: the config must be an object of registrations; received null'),
    );
    expect(() =>
      registry.registerAll({ cache: { factory: () => new Conn('c'), lifetime: 7 } as never }),
    ).toThrow(TypeError);
    expect(registry.keys()).toEqual(['db']);
  });
});

describe('Registry.token', () => {
  it('is a plain dependency: only `make` is enumerable, and it resolves at each call', async () => {
    const registry = new Registry<{ db: Conn; slow: Conn }>({ name: 'app' });
    registry.register('db', new Conn('one'));
    registry.provideAsync('slow', async () => new Conn('slow'));
    const token = registry.token('db');
    expect(Object.keys(token)).toEqual(['make']);
    expect(token.key).toBe('db');
    expect(Object.isFrozen(token)).toBe(true);
    expect((await token.make()).id).toBe('one');
    registry.replace('db', new Conn('two'));
    expect((await token.make()).id).toBe('two');
    expect((await registry.token('slow').make()).id).toBe('slow');
    await expect(registry.token('nothing' as never).make()).rejects.toBeInstanceOf(NotRegistered);
    expect(() => registry.token(3 as never)).toThrow(TypeError);
    await flushPromises();
  });
});
