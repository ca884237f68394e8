import { advertise } from './advertise.js';
import { FilterResultError } from './errors.js';
import { AspectRegistry } from './registry.js';

describe('the join point handle of an advertised function', () => {
  it('adds typed filters under its own name, each removed by its Disposable', () => {
    const registry = new AspectRegistry();
    const render = advertise(
      'render',
      (page: string, level: number) => `<h${level}>${page}</h${level}>`,
      {
        registry,
      },
    );
    expect(render.joinPoint).toBe('render');
    expect(render.registry).toBe(registry);
    const trim = render.before(([page, level]) => [page.trim(), level]);
    render.after((html, { args }) => `${html}<!-- ${args[0]} -->`);
    expect(render(' home ', 1)).toBe('<h1>home</h1><!-- home -->');
    trim.dispose();
    expect(render(' home ', 1)).toBe('<h1> home </h1><!--  home  -->');
    expect(registry.pipeline('render').before).toEqual([]);
  });

  it('types filters from the function, so wrong ones do not compile', () => {
    const registry = new AspectRegistry();
    const add = advertise('add', (a: number, b: number) => a + b, { registry });
    // @ts-expect-error a before filter returns the arguments: [number, number]
    add.before(([a]) => [String(a), 1]);
    // @ts-expect-error a sync join point takes no async before filter
    add.before(async (args) => args);
    // @ts-expect-error the result is a number
    add.after((sum) => `${sum}`);
    // @ts-expect-error proceed takes the arguments as a tuple
    add.around((proceed) => proceed([1]));
    // @ts-expect-error there is no such join point method
    add.befor;
    const load = advertise('load', async (id: string) => ({ id }), { registry, async: true });
    load.before(async ([id]) => [id.toLowerCase()]);
    const fetchUser = advertise('fetch', async (id: string) => ({ id }), { registry });
    // @ts-expect-error without async: true, before filters are sync even for an async function
    fetchUser.before(async (args) => args);
    fetchUser.after(async (user) => user); // its result is a promise: after filters may await
    load.after(async (user) => ({ id: user.id.toUpperCase() }));
    expect(registry.pipeline('add').before).toHaveLength(2);
  });

  it('runs around filters inside the before filters and outside fn, first added outermost', async () => {
    const registry = new AspectRegistry();
    const order: string[] = [];
    const add = advertise(
      'add',
      (a: number, b: number) => {
        order.push(`fn(${a}, ${b})`);
        return a + b;
      },
      { registry },
    );
    add.before(([a, b]) => {
      order.push('before');
      return [a * 10, b];
    });
    add.around((proceed, args) => {
      order.push('outer in');
      const result = proceed([args[0], args[1] + 1]);
      order.push('outer out');
      return result * 2;
    });
    add.around((proceed, args, { name }) => {
      order.push(`inner ${name}`);
      return proceed(args) + 1;
    });
    add.after((sum, { args }) => {
      order.push(`after ${args.join(',')}`);
      return sum;
    });
    expect(add(1, 1)).toBe(26); // ((10 + 2) + 1) * 2
    expect(order).toEqual([
      'before',
      'outer in',
      'inner add',
      'fn(10, 2)',
      'outer out',
      'after 10,1',
    ]);
  });

  it('lets an around filter answer without calling fn (a cache)', () => {
    const registry = new AspectRegistry();
    const fn = jest.fn((key: string) => key.length);
    const size = advertise('size', fn, { registry });
    const cache = new Map<string, number>([['hit', 99]]);
    size.around((proceed, args) => cache.get(args[0]) ?? proceed(args));
    expect(size('hit')).toBe(99);
    expect(size('miss')).toBe(4);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('awaits around filters of an async join point', async () => {
    const registry = new AspectRegistry();
    const load = advertise('load', async (id: number) => id * 2, { registry, async: true });
    load.around(async (proceed, args) => (await proceed(args)) + 1);
    load.after((n) => n * 10);
    await expect(load(2)).resolves.toBe(50);
  });

  it('throws when an around filter makes a sync call async, or calls proceed without an array', () => {
    const registry = new AspectRegistry();
    const id = advertise('id', (n: number) => n, { registry });
    const sub = registry.around('id', async (proceed, args) => proceed(args));
    expect(() => id(1)).toThrow(
      '@dyno/aspect: around filter 1 of "id" returned a promise, but "id" is a synchronous join point',
    );
    sub.dispose();
    registry.around('id', (proceed) => proceed(5 as never));
    let caught: unknown;
    try {
      id(1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterResultError);
    expect((caught as Error).message).toBe(
      '@dyno/aspect: around filter 1 of "id" must call proceed with an array of arguments; received 5',
    );
  });
});
