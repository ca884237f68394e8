import { DisposedError, DynoError } from '@dyno/core';
import { AlreadyRegistered, CircularProvider, NotRegistered } from './errors.js';
import { Registry } from './registry.js';

interface Db {
  query(sql: string): string;
}
interface Types {
  db: Db;
  port: number;
  greeting: string;
}

describe('Registry', () => {
  it('returns what was registered and says what it has', () => {
    const registry = new Registry<Types>();
    registry.register('port', 8080);
    expect(registry.get('port')).toBe(8080);
    expect(registry.has('port')).toBe(true);
    expect(registry.has('db')).toBe(false);
    expect(registry.keys()).toEqual(['port']);
  });

  it('throws NotRegistered with the seed message for a missing key', () => {
    const registry = new Registry<Types>({ name: 'app' });
    let caught: unknown;
    try {
      registry.get('db');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NotRegistered);
    expect(caught).toBeInstanceOf(DynoError);
    const error = caught as NotRegistered;
    expect(error.message).toBe('The key: "db" has not yet been registered');
    expect(error.code).toBe('DYNO_NOT_REGISTERED');
    expect(error.source).toBe('app');
    expect(error.key).toBe('db');
    expect(error.name).toBe('NotRegistered');
    expect(NotRegistered.isInstance(error)).toBe(true);
    expect(NotRegistered.isInstance(new Error('x'))).toBe(false);
  });

  it('names symbol keys in the message', () => {
    const key = Symbol('db');
    const registry = new Registry<{ [key]: number }>();
    expect(() => registry.get(key)).toThrow('The key: "Symbol(db)" has not yet been registered');
    registry.register(key, 1);
    expect(registry.get(key)).toBe(1);
  });

  it('keeps __proto__ and constructor as ordinary keys', () => {
    // (typed as strings: TypeScript reads Record<string, unknown>['constructor'] as Function)
    const registry = new Registry<{ __proto__: string; constructor: string }>();
    expect(registry.has('__proto__')).toBe(false);
    expect(registry.has('constructor')).toBe(false);
    expect(() => registry.get('constructor')).toThrow(NotRegistered);
    registry.register('__proto__', 'a').register('constructor', 'b');
    expect(registry.get('__proto__')).toBe('a');
    expect(registry.get('constructor')).toBe('b');
    expect(registry.keys()).toEqual(['__proto__', 'constructor']);
  });

  it('refuses to register a taken key and points to replace', () => {
    const registry = new Registry<Types>({ name: 'app' });
    registry.register('port', 1);
    expect(() => registry.register('port', 2)).toThrow(AlreadyRegistered);
    expect(() => registry.provide('port', () => 2)).toThrow(
      'The key: "port" is already registered; use replace() to swap it',
    );
    expect(registry.get('port')).toBe(1);
    const error = (() => {
      try {
        registry.register('port', 3);
      } catch (e) {
        return e as AlreadyRegistered;
      }
    })();
    expect(AlreadyRegistered.isInstance(error)).toBe(true);
    expect(error?.key).toBe('port');
  });

  it('replaces a registered value and refuses to replace a missing one', () => {
    const registry = new Registry<Types>();
    registry.register('port', 1);
    registry.replace('port', 2);
    expect(registry.get('port')).toBe(2);
    expect(() => registry.replace('greeting', 'hi')).toThrow(NotRegistered);
  });

  it('builds a provided value once, at the first get', () => {
    const registry = new Registry<Types>();
    const factory = jest.fn(() => 8080);
    registry.provide('port', factory);
    expect(factory).not.toHaveBeenCalled();
    expect(registry.get('port')).toBe(8080);
    expect(registry.get('port')).toBe(8080);
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('builds a provided value at every get with the resolve lifetime', () => {
    const registry = new Registry<Types>();
    let n = 0;
    registry.provide('port', () => ++n, { lifetime: 'resolve' });
    expect([registry.get('port'), registry.get('port')]).toEqual([1, 2]);
  });

  it('retries a factory that threw instead of caching the failure', () => {
    const registry = new Registry<Types>();
    const failure = new Error('not yet');
    let calls = 0;
    registry.provide('port', () => {
      calls++;
      if (calls === 1) throw failure;
      return 9;
    });
    expect(() => registry.get('port')).toThrow(failure);
    expect(registry.get('port')).toBe(9);
  });

  it('gives the factory its key and registry, so it can read other keys', () => {
    const registry = new Registry<Types>();
    registry.register('port', 80);
    registry.provide('greeting', ({ key, registry: r }) => `${String(key)} on ${r.get('port')}`);
    expect(registry.get('greeting')).toBe('greeting on 80');
  });

  it('reports a provider that asks for its own key', () => {
    const registry = new Registry<Types>({ name: 'app' });
    registry.provide('port', ({ registry: r }) => r.get('port') + 1);
    expect(() => registry.get('port')).toThrow(CircularProvider);
    expect(() => registry.get('port')).toThrow(
      'The provider of key: "port" asked for its own key while building',
    );
    const error = (() => {
      try {
        registry.get('port');
      } catch (e) {
        return e;
      }
    })();
    expect(CircularProvider.isInstance(error)).toBe(true);
    expect((error as CircularProvider).key).toBe('port');
  });

  it('swaps a provider in with replaceProvider', () => {
    const registry = new Registry<Types>();
    registry.register('port', 1);
    registry.replaceProvider('port', () => 2);
    expect(registry.get('port')).toBe(2);
  });

  it('unregisters own keys only and says whether it removed one', () => {
    const parent = new Registry<Types>();
    parent.register('port', 1);
    const child = parent.child();
    expect(child.unregister('port')).toBe(false);
    expect(child.get('port')).toBe(1);
    expect(parent.unregister('port')).toBe(true);
    expect(parent.has('port')).toBe(false);
    expect(parent.unregister('port')).toBe(false);
  });

  it('rejects keys that are neither strings nor symbols', () => {
    const registry = new Registry();
    expect(() => registry.get(42 as never)).toThrow(
      new TypeError('@dyno/registry: a key must be a string or a symbol; received 42'),
    );
    expect(() => registry.register({} as never, 1)).toThrow(TypeError);
  });

  it('rejects bad options and factories with clear errors', () => {
    expect(() => new Registry({ name: '' })).toThrow(
      new RangeError('@dyno/registry: option `name` must be a non-empty string; received ""'),
    );
    expect(() => new Registry({ nmae: 'x' } as never)).toThrow(
      new TypeError('@dyno/registry: unknown option `nmae` (known: name)'),
    );
    const registry = new Registry<Types>();
    expect(() => registry.provide('port', 5 as never)).toThrow(
      new TypeError("@dyno/registry: a provider's factory must be a function; received 5"),
    );
    expect(() => registry.provide('port', () => 1, { lifetime: 'always' as never })).toThrow(
      new RangeError(
        '@dyno/registry: option `lifetime` must be one of "once", "scoped", "resolve"; received "always"',
      ),
    );
    expect(() => registry.register('port', 1, { dispose: 'yes' as never })).toThrow(TypeError);
    expect(registry.has('port')).toBe(false);
  });

  it('uses a default name unique per registry', () => {
    const a = new Registry();
    const b = new Registry();
    expect(a.name).toMatch(/^registry#\d+$/);
    expect(a.name).not.toBe(b.name);
  });
});

describe('Registry children', () => {
  it('fall back to the parent and shadow it without touching it', () => {
    const parent = new Registry<Types>({ name: 'root' });
    parent.register('port', 80).register('greeting', 'hello');
    const tenant = parent.child({ name: 'tenant' });
    expect(tenant.parent).toBe(parent);
    tenant.register('port', 8080);
    expect(tenant.get('port')).toBe(8080);
    expect(tenant.get('greeting')).toBe('hello');
    expect(parent.get('port')).toBe(80);
    expect(tenant.has('greeting')).toBe(true);
    expect(tenant.keys()).toEqual(['port']);
  });

  it('name the registry the lookup started in when nothing has the key', () => {
    const child = new Registry<Types>({ name: 'root' }).child({ name: 'tenant' });
    expect(() => child.get('db')).toThrow(expect.objectContaining({ source: 'tenant' }));
  });

  it('see a parent provider build in the parent, once for all children', () => {
    const parent = new Registry<Types>();
    let n = 0;
    parent.provide('port', () => ++n);
    const a = parent.child();
    const b = parent.child();
    expect([a.get('port'), b.get('port'), parent.get('port')]).toEqual([1, 1, 1]);
  });
});

describe('Registry events', () => {
  it('report register, replace and unregister with the registry name', () => {
    const registry = new Registry<Types>({ name: 'app' });
    const seen: unknown[] = [];
    registry.onRegister((e) => seen.push(['register', e]));
    registry.onReplace((e) => seen.push(['replace', e]));
    const sub = registry.onUnregister((e) => seen.push(['unregister', e]));
    registry.register('port', 1);
    registry.provide('greeting', () => 'hi');
    registry.replace('port', 2);
    registry.unregister('port');
    sub.dispose();
    registry.unregister('greeting');
    expect(seen).toEqual([
      ['register', { name: 'app', key: 'port', kind: 'value' }],
      ['register', { name: 'app', key: 'greeting', kind: 'provider' }],
      ['replace', { name: 'app', key: 'port', kind: 'value', disposed: false }],
      ['unregister', { name: 'app', key: 'port', disposed: false }],
    ]);
  });
});

describe('Registry ownership', () => {
  class Connection {
    closed = 0;
    [Symbol.dispose](): void {
      this.closed++;
    }
  }

  it('disposes an owned value on unregister and replace, never a borrowed one', () => {
    const registry = new Registry<{ conn: Connection }>();
    const seen: boolean[] = [];
    registry.onUnregister((e) => seen.push(e.disposed));
    const owned = new Connection();
    const borrowed = new Connection();
    registry.register('conn', owned, { dispose: true });
    registry.replace('conn', borrowed);
    expect(owned.closed).toBe(1);
    registry.unregister('conn');
    expect(borrowed.closed).toBe(0);
    expect(seen).toEqual([false]);
  });

  it('calls dispose() when the value has no Symbol.dispose, or a given function', () => {
    const registry = new Registry<{ a: { dispose(): void }; b: string; c: number }>();
    const a = { dispose: jest.fn() };
    const close = jest.fn();
    registry.register('a', a, { dispose: true });
    registry.register('b', 'text', { dispose: close });
    registry.register('c', 1, { dispose: true });
    registry.unregister('a');
    registry.unregister('b');
    expect(() => registry.unregister('c')).not.toThrow();
    expect(a.dispose).toHaveBeenCalledTimes(1);
    expect(close).toHaveBeenCalledWith('text');
  });

  it('disposes a once-provided value only if it was built', () => {
    const registry = new Registry<{ conn: Connection }>();
    const conn = new Connection();
    registry.provide('conn', () => conn, { dispose: true });
    const events: boolean[] = [];
    registry.onUnregister((e) => events.push(e.disposed));
    registry.unregister('conn');
    expect(events).toEqual([false]);
    registry.provide('conn', () => conn, { dispose: true });
    registry.get('conn');
    registry.unregister('conn');
    expect(conn.closed).toBe(1);
    expect(events).toEqual([false, true]);
  });

  it('removes the key even when its disposer throws, then throws that error', () => {
    const registry = new Registry<Types>();
    const failure = new Error('close failed');
    const seen: unknown[] = [];
    registry.onUnregister((e) => seen.push(e));
    registry.onReplace((e) => seen.push(e));
    registry.register('port', 1, {
      dispose: () => {
        throw failure;
      },
    });
    expect(() =>
      registry.replace('port', 2, {
        dispose: () => {
          throw failure;
        },
      }),
    ).toThrow(failure);
    expect(registry.get('port')).toBe(2);
    expect(() => registry.unregister('port')).toThrow(failure);
    expect(registry.has('port')).toBe(false);
    expect(seen).toHaveLength(2);
  });

  it('disposes every owned value in reverse order when the registry is disposed', () => {
    const registry = new Registry<{ a: string; b: string; c: string }>({ name: 'app' });
    const order: string[] = [];
    const failure = new Error('b failed');
    registry.register('a', 'a', { dispose: (v) => order.push(v) });
    registry.register('b', 'b', {
      dispose: () => {
        throw failure;
      },
    });
    registry.register('c', 'c', { dispose: (v) => order.push(v) });
    expect(() => registry.dispose()).toThrow(failure);
    expect(order).toEqual(['c', 'a']);
    expect(() => registry.dispose()).not.toThrow();
    expect(() => registry.get('a')).toThrow(DisposedError);
    expect(() => registry.get('a')).toThrow('Registry has been disposed');
    expect(() => registry.register('a', 'x')).toThrow(DisposedError);
    expect(() => registry.child()).toThrow(DisposedError);
    expect(() => registry.keys()).toThrow(DisposedError);
    expect(() => registry.has('a')).toThrow(DisposedError);
    expect(() => registry.unregister('a')).toThrow(DisposedError);
    expect(() => registry.ref('a')).toThrow(DisposedError);
  });

  it('makes children of a disposed parent fail fast on fallback lookups', () => {
    const parent = new Registry<Types>();
    parent.register('port', 1);
    const child = parent.child();
    child.register('greeting', 'hi');
    using scoped = parent;
    expect(scoped).toBe(parent);
    parent.dispose();
    expect(child.get('greeting')).toBe('hi');
    expect(() => child.get('port')).toThrow(DisposedError);
  });
});

describe('Registry types', () => {
  it('infers value types from the type map and rejects wrong ones', () => {
    const registry = new Registry<Types>();
    // @ts-expect-error a string is not a number
    registry.register('port', 'eighty');
    registry.replace('port', 80);
    const port: number = registry.get('port');
    // @ts-expect-error not a key of Types
    expect(() => registry.get('missing')).toThrow(NotRegistered);
    expect(port).toBe(80);
  });
});
