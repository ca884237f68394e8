import { DisposedError } from '@dyno/core';
import { service } from './service.js';
import { withService } from './with-service.js';

describe('a bound service', () => {
  it('is the same service: its parts, its state, this and leading arguments bound', async () => {
    const seen: unknown[] = [];
    const s = service(
      function (this: unknown, _ctx, a: number, b: string) {
        seen.push(this, a, b);
        return `${a}${b}`;
      },
      { name: 'bound-parts', retry: false },
    );
    const self = { id: 'self' };
    const b = s.bind(self, 7);
    await expect(b('x')).resolves.toBe('7x');
    expect(seen).toEqual([self, 7, 'x']);
    // the same parts, and the call above is in the service's own metrics
    expect(b.breaker).toBe(s.breaker);
    expect(b.pool).toBe(s.pool);
    expect(b.metrics).toBe(s.metrics);
    expect(b.retry).toBeUndefined();
    expect(b.timeout).toBe(s.timeout);
    expect(s.metrics?.snapshot().counts.success).toBe(1);
    expect(b.name).toBe('bound bound-parts');
    // `bind` on a bound service keeps the first `this` and adds arguments, as `bind` does
    const bb = b.bind({ other: true }, 'y');
    await expect(bb()).resolves.toBe('7y');
    expect(seen.at(-3)).toBe(self);
    expect(bb.metrics).toBe(s.metrics);
    // its signal form keeps the binding
    const controller = new AbortController();
    await expect(b.withSignal(controller.signal)('z')).resolves.toBe('7z');
    expect(seen.slice(-3)).toEqual([self, 7, 'z']);
    // one state: disposing the bound one disposes the service
    b.dispose();
    await expect(s(1, 'x')).rejects.toBeInstanceOf(DisposedError);
    bb[Symbol.dispose]();
  });

  it('keeps the fallback and its events', async () => {
    const s = service((_ctx, _id: string): Promise<string> => Promise.reject(new Error('down')), {
      name: 'bound-fallback',
      retry: false,
      fallback: (_error, args) => `fallback ${args[0]}`,
    });
    const events: unknown[] = [];
    const b = s.bind(undefined, 'a');
    b.onFallback((event) => events.push(event.name));
    await expect(b()).resolves.toBe('fallback a');
    expect(events).toEqual(['bound-fallback']);
    s.dispose();
  });

  it('works for a decorated method bound to its instance', async () => {
    class Users {
      constructor(readonly prefix: string) {
        this.get = this.get.bind(this);
      }
      @withService({ name: 'bound-users', retry: false })
      async get(id: number): Promise<string> {
        return `${this.prefix}${id}`;
      }
    }
    const users = new Users('u');
    const { get } = users;
    await expect(get(1)).resolves.toBe('u1');
    const bound = get as unknown as { metrics: { snapshot(): { counts: { success: number } } } };
    expect(bound.metrics.snapshot().counts.success).toBe(1);
    (Users.prototype.get as unknown as { dispose(): void }).dispose();
  });

  it('refuses a member read without a service, with a TypeError naming the package', () => {
    const s = service(async () => 1, { name: 'bound-misuse' });
    const prototype = Object.getPrototypeOf(s) as Record<string, unknown>;
    expect(() => prototype.breaker).toThrow(
      new TypeError(
        '@dyno/service: `breaker` must be used on a service function; received an object',
      ),
    );
    const { dispose, withSignal } = s;
    expect(() => dispose()).toThrow(
      new TypeError(
        '@dyno/service: `dispose` must be used on a service function; received undefined',
      ),
    );
    expect(() => withSignal.call(() => 1, new AbortController().signal)).toThrow(
      '@dyno/service: `withSignal` must be used on a service function',
    );
    expect(() => (prototype.bind as Function).call(prototype, null)).toThrow(
      '@dyno/service: `bind` must be used on a service function; received an object',
    );
    // the engine's own bind, called explicitly, makes a function without the state
    const native = Function.prototype.bind.call(s, null) as typeof s;
    expect(() => native.metrics).toThrow(
      '@dyno/service: `metrics` must be used on a service function; received a function',
    );
    // an object inheriting from a service reaches its state, as for any prototype chain
    expect((Object.create(s) as typeof s).breaker).toBe(s.breaker);
    s.dispose();
  });
});
