import {
  type ListenerErrorEvent,
  onListenerError,
  reportListenerError,
  reportRejection,
  setListenerErrorMode,
} from './report.js';

let warning: jest.SpyInstance;
beforeEach(() => {
  warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterEach(() => {
  warning.mockRestore();
  setListenerErrorMode('warn');
});

describe('reportListenerError', () => {
  it('hands the error and its source to every subscriber, and none after dispose', () => {
    const seen: ListenerErrorEvent[] = [];
    const a = onListenerError((e) => seen.push(e));
    const b = onListenerError((e) => seen.push(e));
    const boom = new Error('listener bug');
    reportListenerError(boom, '@dyno/test onThing');
    expect(seen).toEqual([
      { error: boom, source: '@dyno/test onThing' },
      { error: boom, source: '@dyno/test onThing' },
    ]);
    expect(Object.isFrozen(seen[0])).toBe(true);
    a.dispose();
    b.dispose();
    try {
      reportListenerError('again', 'x');
      expect(seen).toHaveLength(2);
      expect(warning).toHaveBeenCalledTimes(1);
    } finally {
    }
  });

  it('emits a DynoListenerWarning by default, naming the source and the error', () => {
    try {
      reportListenerError(new Error('transport closed'), '@dyno/harness logger');
      reportListenerError('a string', 'an abort listener');
    } finally {
    }
    expect(warning.mock.calls[0]?.[0]).toMatch(
      /^@dyno\/harness logger threw: Error: transport closed/,
    );
    expect(warning.mock.calls[0]?.[1]).toEqual({
      type: 'DynoListenerWarning',
      code: 'DYNO_LISTENER_ERROR',
    });
    expect(warning.mock.calls[1]?.[0]).toBe('an abort listener threw: a string');
  });

  it('never throws for an error that cannot be turned into text', () => {
    const noPrototype = Object.create(null) as object;
    const badStack = new Error('x');
    Object.defineProperty(badStack, 'stack', {
      get() {
        throw new Error('stack getter');
      },
    });
    expect(() => reportListenerError(noPrototype, 'a listener')).not.toThrow();
    expect(() => reportListenerError(badStack, 'another listener')).not.toThrow();
    expect(warning.mock.calls[0]?.[0]).toBe('a listener threw: an object');
    expect(warning.mock.calls[1]?.[0]).toBe('another listener threw: an object');
  });

  it('never throws for a revoked proxy or a stack that cannot be turned into text', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const oddStack = new Error('x');
    Object.defineProperty(oddStack, 'stack', { value: Object.create(null) });
    expect(() => reportListenerError(proxy, 'a listener')).not.toThrow();
    expect(() => reportListenerError(oddStack, 'another listener')).not.toThrow();
    expect(warning.mock.calls[0]?.[0]).toBe('a listener threw: an object');
    expect(warning.mock.calls[1]?.[0]).toBe('another listener threw: an object');
  });

  it('reports a throwing subscriber as a warning and still calls the others', () => {
    const seen: unknown[] = [];
    const a = onListenerError(() => {
      throw new Error('subscriber bug');
    });
    const b = onListenerError((e) => seen.push(e.error));
    try {
      expect(() => reportListenerError(1, 'x')).not.toThrow();
    } finally {
      a.dispose();
      b.dispose();
    }
    expect(seen).toEqual([1]);
    expect(warning.mock.calls[0]?.[0]).toMatch(
      /^an onListenerError subscriber threw: Error: subscriber bug/,
    );
  });

  it("rethrows on a later microtask in 'throw' mode", () => {
    const queued: Array<() => void> = [];
    const spy = jest.spyOn(globalThis, 'queueMicrotask').mockImplementation((f) => queued.push(f));
    const boom = new Error('listener bug');
    setListenerErrorMode('throw');
    try {
      expect(() => reportListenerError(boom, 'x')).not.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect(queued).toHaveLength(1);
    expect(queued[0]).toThrow(boom);
  });

  it('rejects a bad mode and a subscriber that is not a function', () => {
    expect(() => setListenerErrorMode('loud' as never)).toThrow(
      new RangeError(
        '@dyno/core: the listener error mode must be "warn" or "throw"; received loud',
      ),
    );
    expect(() => onListenerError(42 as never)).toThrow(
      new TypeError(
        '@dyno/core: the onListenerError subscriber must be a function; received number',
      ),
    );
  });

  it('queues no rethrow by default (the rethrow is what ended the process)', () => {
    const queued: Array<() => void> = [];
    const spy = jest.spyOn(globalThis, 'queueMicrotask').mockImplementation((f) => queued.push(f));
    try {
      reportListenerError(new Error('listener bug'), 'x');
    } finally {
      spy.mockRestore();
    }
    expect(queued).toHaveLength(0);
    expect(warning).toHaveBeenCalledTimes(1);
  });
});

describe('reportRejection', () => {
  it('reports a promise that rejects under the source, and nothing for one that fulfils', async () => {
    const seen: ListenerErrorEvent[] = [];
    const subscription = onListenerError((e) => seen.push(e));
    try {
      reportRejection(Promise.reject('not an Error'), '@dyno/test dispose of db');
      reportRejection(Promise.resolve(1), '@dyno/test fine');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      subscription.dispose();
    }
    expect(seen).toEqual([{ error: 'not an Error', source: '@dyno/test dispose of db' }]);
  });

  it('leaves other thenables, plain values and hostile values alone, and never throws', () => {
    const then = jest.fn();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    class Hostile extends Promise<void> {
      static override get [Symbol.species](): never {
        throw new Error('species');
      }
    }
    const hostile = new Hostile((resolve) => resolve());
    for (const value of [{ then }, 42, 'text', null, undefined, proxy, hostile]) {
      expect(() => reportRejection(value, 'x')).not.toThrow();
    }
    // a lazy thenable (a query builder) starts its work when its `then` is called
    expect(then).not.toHaveBeenCalled();
  });
});
