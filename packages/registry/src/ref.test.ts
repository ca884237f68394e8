import { NotRegistered } from './errors.js';
import { Registry } from './registry.js';

class Counter {
  #count = 0;
  label = 'counter';
  increment(): number {
    this.#count += 1;
    return this.#count;
  }
  get count(): number {
    return this.#count;
  }
}

interface Types {
  counter: Counter;
  greet: (name: string) => string;
  port: number;
  nothing: null;
  box: { current: string; other: number };
}

describe('Registry.ref', () => {
  it('resolves at each use, so a later registration and a swap show through', () => {
    const registry = new Registry<Types>();
    const greet = registry.ref('greet');
    expect(() => greet('ann')).toThrow(NotRegistered);
    registry.register('greet', (name) => `hello ${name}`);
    expect(greet('ann')).toBe('hello ann');
    registry.replace('greet', (name) => `hi ${name}`);
    expect(greet('ann')).toBe('hi ann');
    expect(greet.current('bob')).toBe('hi bob');
  });

  it('reads and writes properties of the current value and binds its methods', () => {
    const registry = new Registry<Types>();
    const counter = registry.ref('counter');
    const first = new Counter();
    registry.register('counter', first);
    // a method read through the ref keeps private fields working
    expect(counter.increment()).toBe(1);
    const increment = counter.increment;
    expect(increment()).toBe(2);
    expect(counter.increment).toBe(increment);
    expect(counter.count).toBe(2);
    counter.label = 'renamed';
    expect(first.label).toBe('renamed');
    expect('label' in counter).toBe(true);
    expect('current' in counter).toBe(true);
    expect(Object.keys(counter)).toEqual(['label']);
    expect(Object.getPrototypeOf(counter)).toBe(Counter.prototype);
    expect(counter instanceof Counter).toBe(true);
    expect(counter.constructor).toBe(Counter);
    const second = new Counter();
    registry.replace('counter', second);
    expect(counter.increment()).toBe(1);
    expect(counter.current).toBe(second);
    expect(first.count).toBe(2);
  });

  it('supports defining and deleting properties on the current value', () => {
    const registry = new Registry<{ bag: Record<string, number> }>();
    const bag = registry.ref('bag');
    const value: Record<string, number> = { a: 1 };
    registry.register('bag', value);
    Object.defineProperty(bag, 'b', { value: 2, enumerable: true, configurable: true });
    expect(value.b).toBe(2);
    Object.defineProperty(value, 'c', { value: 3, enumerable: true, configurable: false });
    // the proxy reports configurable: proxy invariants forbid it otherwise
    expect(Object.getOwnPropertyDescriptor(bag, 'c')).toEqual({
      value: 3,
      enumerable: true,
      configurable: true,
      writable: false,
    });
    expect(() => Object.defineProperty(bag, 'd', { value: 4, configurable: false })).toThrow(
      TypeError,
    );
    expect(Object.getOwnPropertyDescriptor(bag, 'missing')).toBeUndefined();
    delete bag.a;
    expect(Object.keys(value)).toEqual(['b', 'c']);
  });

  it('works with primitive values through current and their methods', () => {
    const registry = new Registry<Types>();
    const port = registry.ref('port');
    registry.register('port', 8080);
    expect(port.current).toBe(8080);
    expect(port.toFixed(1)).toBe('8080.0');
  });

  it('reserves current, leaving a value own current at current.current', () => {
    const registry = new Registry<Types>();
    const box = registry.ref('box');
    registry.register('box', { current: 'inner', other: 1 });
    expect(box.current.current).toBe('inner');
    expect(box.other).toBe(1);
  });

  it('explains the use of a property of null and the call of a non-function', () => {
    const registry = new Registry<Types>();
    registry.register('nothing', null);
    registry.register('port', 1);
    const nothing = registry.ref('nothing') as unknown as { x: number };
    expect(() => nothing.x).toThrow(
      new TypeError('Cannot use property x of the value of key "nothing" (null)'),
    );
    const port = registry.ref('port') as unknown as () => void;
    expect(() => port()).toThrow(new TypeError('The value of key "port" is not a function'));
  });

  it('follows the parent chain from a child', () => {
    const parent = new Registry<Types>();
    const child = parent.child();
    const port = child.ref('port');
    parent.register('port', 1);
    expect(port.current).toBe(1);
    child.register('port', 2);
    expect(port.current).toBe(2);
  });

  it('keeps the own properties and prototype of a method read through it', () => {
    // a method that carries its parts, as a service, a cached or an injected function does
    const state = Symbol('state');
    const proto = Object.setPrototypeOf(
      {
        get parts(): string | undefined {
          return (this as unknown as Record<symbol, string>)[state];
        },
      },
      Function.prototype,
    );
    const call = Object.assign(
      Object.setPrototypeOf(function (this: { n: number }) {
        return this.n;
      }, proto),
      { [state]: 'the parts', run: 'run' },
    );
    const registry = new Registry<{ api: { n: number; call: typeof call } }>();
    const api = registry.ref('api');
    registry.register('api', { n: 3, call });
    expect(api.call()).toBe(3);
    expect(api.call.run).toBe('run');
    expect(api.call.parts).toBe('the parts');
    expect(api.call.name).toBe(call.name);
  });

  it('passes the caller this to a function value', () => {
    const registry = new Registry<{ fn: (this: { n: number }) => number }>();
    registry.register('fn', function (this: { n: number }) {
      return this.n;
    });
    const holder = { n: 7, fn: registry.ref('fn') };
    expect(holder.fn()).toBe(7);
  });
});
