import { flushPromises } from '@dyno/core/testing';
import { advertise } from './advertise.js';
import { FilterResultError } from './errors.js';
import { AspectRegistry } from './registry.js';

describe('advertise: synchronous and asynchronous join points', () => {
  it('types a sync function as it is, so the README usage compiles and runs', () => {
    const registry = new AspectRegistry();
    const render = advertise('render', (page: string) => `<h1>${page}</h1>`, { registry });
    render.before(([page]) => [page.trim()]);
    const shout = render.after((html) => html.toUpperCase());
    registry.around('render', (proceed, args) => proceed(args));
    const html: string = render('  home ');
    expect(html).toBe('<H1>HOME</H1>');
    shout.dispose();
    expect(render('home').length).toBe(13);
    // @ts-expect-error the wrapper of a sync function returns a string, not a promise
    const wrong: Promise<string> = render('home');
    expect(typeof wrong).toBe('string');
  });

  it('types an async function and an async: true join point as promises', async () => {
    const registry = new AspectRegistry();
    const load = advertise('load', async (id: number) => ({ id }), { registry });
    const loaded: Promise<{ id: number }> = load(1);
    expect(await loaded).toEqual({ id: 1 });
    const double = advertise('double', (n: number) => n * 2, { registry, async: true });
    const doubled: Promise<number> = double(2);
    expect(doubled).toBeInstanceOf(Promise);
    expect(await doubled).toBe(4);
  });

  it('throws at once when a before filter of a sync join point returns a promise', async () => {
    const registry = new AspectRegistry();
    const fn = jest.fn((n: number) => n);
    const wrapped = advertise('id', fn, { registry });
    const reason = new Error('denied');
    registry.before('id', () => Promise.reject(reason));
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    let caught: unknown;
    try {
      wrapped(1);
    } catch (error) {
      caught = error;
    } finally {
      await flushPromises();
      process.off('unhandledRejection', unhandled);
    }
    expect(caught).toBeInstanceOf(FilterResultError);
    expect((caught as Error).message).toBe(
      '@dyno/aspect: before filter 1 of "id" returned a promise, but "id" is a synchronous join ' +
        'point; make the filter synchronous, or advertise the function with `async: true`',
    );
    expect(fn).not.toHaveBeenCalled();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('throws at once when an after filter returns a promise for a sync result', () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('id', (n: number) => n, { registry });
    registry.after<number>('id', (r) => r + 1);
    registry.after<number>('id', async (r) => r);
    expect(() => wrapped(1)).toThrow(
      '@dyno/aspect: after filter 2 of "id" returned a promise, but "id" is a synchronous join point',
    );
  });

  it('lets after filters await when the sync join point function returned a promise', async () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('p', (n: number) => Promise.resolve(n), { registry });
    registry.after<number>('p', async (r) => r * 10);
    await expect(wrapped(2)).resolves.toBe(20);
  });

  it('makes an async function a sync join point too, unless async: true is given', async () => {
    const registry = new AspectRegistry();
    const wrapped = advertise('a', async (n: number) => n, { registry });
    registry.before<[number]>('a', async (args) => args);
    expect(() => wrapped(1)).toThrow(FilterResultError);
    const explicit = advertise('a', async (n: number) => n, { registry, async: true });
    await expect(explicit(1)).resolves.toBe(1);
  });

  it('turns a sync throw of an async join point into a rejection, with filters or without', async () => {
    const registry = new AspectRegistry();
    const boom = new Error('boom');
    const wrapped = advertise(
      'f',
      (): number => {
        throw boom;
      },
      { registry, async: true },
    );
    const bare = wrapped();
    expect(bare).toBeInstanceOf(Promise);
    await expect(bare).rejects.toBe(boom);
    registry.before('f', (args) => args);
    await expect(wrapped()).rejects.toBe(boom);
  });

  it('lets an around filter that proceeds twice return the promise fn returned the first time', async () => {
    const registry = new AspectRegistry();
    let calls = 0;
    // a maybe-async function: a promise on a miss, the value itself on a hit
    const wrapped = advertise('maybe', (n: number) => (calls++ === 0 ? Promise.resolve(n) : n), {
      registry,
    });
    registry.around('maybe', (proceed, args) => {
      const first = proceed(args);
      proceed(args);
      return first;
    });
    await expect(wrapped(3)).resolves.toBe(3);
    expect(calls).toBe(2);
  });

  it('returns the very promise of fn from a sync join point without filters', () => {
    const registry = new AspectRegistry();
    const q = Promise.resolve(2);
    const sync = advertise('q', () => q, { registry });
    expect(sync()).toBe(q);
  });
});
