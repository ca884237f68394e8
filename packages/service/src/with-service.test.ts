import { withService } from './with-service.js';

class Users {
  calls = 0;
  constructor(readonly prefix: string) {}

  @withService({ name: 'users.get', fallback: (_error, args) => `fallback ${args[0]}` })
  async get(id: number): Promise<string> {
    this.calls++;
    if (id < 0) throw new Error('bad id');
    return `${this.prefix}${id}`;
  }

  @withService({ retry: false })
  async plain(): Promise<number> {
    return this.calls;
  }
}

describe('withService', () => {
  it('runs the method through the service with its arguments and this', async () => {
    const users = new Users('u');
    await expect(users.get(1)).resolves.toBe('u1');
    expect(users.calls).toBe(1);
  });

  it('shares one service between instances, named by option or after the method', async () => {
    const a = new Users('a');
    const b = new Users('b');
    await a.get(1);
    await b.get(2);
    const get = Users.prototype.get as unknown as {
      name: string;
      metrics: { snapshot(): { counts: { success: number } } };
    };
    expect(get.name).toBe('users.get');
    expect(get.metrics.snapshot().counts.success).toBeGreaterThanOrEqual(2);
    expect((Users.prototype.plain as unknown as { name: string }).name).toBe('plain');
  });

  it('retries and falls back like service()', async () => {
    const users = new Users('u');
    await expect(users.get(-1)).resolves.toBe('fallback -1');
    expect(users.calls).toBe(3);
  });

  it('refuses anything but a method', () => {
    const decorate = withService() as unknown as (v: unknown, c: { kind: string }) => unknown;
    expect(() => decorate(undefined, { kind: 'field' })).toThrow(
      '@dyno/service: @withService decorates methods; received a field',
    );
  });
});
