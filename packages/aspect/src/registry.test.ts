import { AspectRegistry } from './registry.js';

describe('AspectRegistry', () => {
  it('lists the filters of a name in the order they run, as a frozen snapshot', () => {
    const registry = new AspectRegistry();
    const b1 = (args: unknown[]) => args;
    const b2 = (args: unknown[]) => args;
    const a1 = (r: unknown) => r;
    registry.before('x', b1);
    registry.before('x', b2);
    registry.after('x', a1);
    const r1 = (proceed: (args: unknown[]) => unknown, args: unknown[]) => proceed(args);
    registry.around('x', r1);
    const pipeline = registry.pipeline('x');
    expect(pipeline.before).toEqual([b1, b2]);
    expect(pipeline.around).toEqual([r1]);
    expect(pipeline.after).toEqual([a1]);
    expect(Object.isFrozen(pipeline.before)).toBe(true);
    registry.before('x', b1);
    expect(pipeline.before).toHaveLength(2);
    expect(registry.pipeline('unknown')).toEqual({ before: [], around: [], after: [] });
  });

  it('treats the same filter added twice as two registrations, each removed by its own handle', () => {
    const registry = new AspectRegistry();
    const f = (args: unknown[]) => args;
    const g = (args: unknown[]) => args;
    const first = registry.before('x', f);
    registry.before('x', g);
    registry.before('x', f);
    first.dispose();
    first[Symbol.dispose]();
    expect(registry.pipeline('x').before).toEqual([g, f]);
  });

  it('forgets a name whose last filter is removed, unless it was advertised', () => {
    const registry = new AspectRegistry();
    const sub = registry.after('x', (r) => r);
    expect(registry.has('x')).toBe(true);
    sub.dispose();
    expect(registry.has('x')).toBe(false);
    expect(registry.names()).toEqual([]);
  });

  it('clears the filters of one name or of all names', () => {
    const registry = new AspectRegistry();
    registry.before('a', (args) => args);
    registry.after('b', (r) => r);
    const late = registry.after('b', (r) => r);
    registry.clear('a');
    expect(registry.names()).toEqual(['b']);
    registry.clear();
    expect(registry.names()).toEqual([]);
    expect(() => late.dispose()).not.toThrow();
    expect(registry.pipeline('b').after).toEqual([]);
  });

  it('rejects bad names and filters with clear errors', () => {
    const registry = new AspectRegistry();
    expect(() => registry.before('', (a) => a)).toThrow(
      new RangeError('@dyno/aspect: option `name` must be a non-empty string; received ""'),
    );
    expect(() => registry.after('x', null as never)).toThrow(
      new TypeError('@dyno/aspect: option `after filter` must be a function; received null'),
    );
    expect(() => registry.before('x', {} as never)).toThrow(TypeError);
    expect(() => registry.around('x', 'wrap' as never)).toThrow(
      new TypeError('@dyno/aspect: option `around filter` must be a function; received "wrap"'),
    );
    expect(() => registry.pipeline(undefined as never)).toThrow(TypeError);
    expect(() => registry.clear(3 as never)).toThrow(TypeError);
    expect(registry.names()).toEqual([]);
  });
});
