import { toDisposable } from './disposable.js';
import { EventEmitter } from './events.js';
import { type ListenerErrorEvent, onListenerError } from './report.js';

describe('EventEmitter', () => {
  it('calls every listener in order with the payload', () => {
    const emitter = new EventEmitter<number>();
    const seen: string[] = [];
    emitter.event((n) => seen.push(`a${n}`));
    emitter.event((n) => seen.push(`b${n}`));
    emitter.emit(1);
    expect(seen).toEqual(['a1', 'b1']);
  });

  it('stops calling a listener once its subscription is disposed', () => {
    const emitter = new EventEmitter<number>();
    const a = jest.fn();
    const b = jest.fn();
    const subA = emitter.event(a);
    const subB = emitter.event(b);
    subA.dispose();
    emitter.emit(1);
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledWith(1);
    subB[Symbol.dispose]();
    emitter.emit(2);
    expect(b).toHaveBeenCalledTimes(1);
    expect(emitter.hasListeners).toBe(false);
    expect(emitter.size).toBe(0);
  });

  it('treats the same function subscribed twice as two subscriptions', () => {
    const emitter = new EventEmitter<void>();
    const f = jest.fn();
    const first = emitter.event(f);
    emitter.event(f);
    first.dispose();
    first.dispose();
    emitter.emit();
    expect(f).toHaveBeenCalledTimes(1);
    expect(emitter.size).toBe(1);
  });

  it('works with `using`', () => {
    const emitter = new EventEmitter<number>();
    const f = jest.fn();
    {
      using _sub = emitter.event(f);
      emitter.emit(1);
    }
    emitter.emit(2);
    expect(f.mock.calls).toEqual([[1]]);
  });

  it('skips a listener another one unsubscribed during the emit, as EventTarget does', () => {
    const emitter = new EventEmitter<number>();
    const calls: string[] = [];
    let subB = toDisposable(() => {});
    emitter.event(() => {
      calls.push('a');
      subB.dispose();
    });
    subB = emitter.event(() => calls.push('b'));
    emitter.event(() => calls.push('c'));
    emitter.emit(1);
    emitter.emit(2);
    expect(calls).toEqual(['a', 'c', 'a', 'c']);
  });

  it('reports a throwing listener, never throws from emit, and still calls the others', () => {
    const emitter = new EventEmitter<number>('@dyno/test onThing');
    const after = jest.fn();
    const boom = new Error('listener bug');
    emitter.event(() => {
      throw boom;
    });
    emitter.event(after);
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      expect(() => emitter.emit(1)).not.toThrow();
    } finally {
      subscription.dispose();
    }
    expect(after).toHaveBeenCalledWith(1);
    expect(reported).toEqual([{ error: boom, source: '@dyno/test onThing' }]);
  });

  it('reports an async listener that rejects, never leaving an unhandled rejection', async () => {
    const emitter = new EventEmitter<number>('@dyno/test onThing');
    const boom = new Error('async listener bug');
    emitter.event(async () => {
      throw boom;
    });
    emitter.event(async () => undefined);
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    try {
      emitter.emit(1);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      subscription.dispose();
    }
    expect(reported).toEqual([{ error: boom, source: '@dyno/test onThing' }]);
  });

  it('names an emitter without a source "an event listener" when reporting', () => {
    const emitter = new EventEmitter<number>();
    emitter.event(() => {
      throw 'not an Error';
    });
    const reported: ListenerErrorEvent[] = [];
    const subscription = onListenerError((event) => reported.push(event));
    emitter.emit(1);
    subscription.dispose();
    expect(reported).toEqual([{ error: 'not an Error', source: 'an event listener' }]);
  });

  it('skips a disposed listener when the dispose collapses the list to one', () => {
    const lone = new EventEmitter<number>();
    const seen: string[] = [];
    let second: { dispose(): void } = { dispose() {} };
    lone.event(() => {
      seen.push('first');
      second.dispose(); // collapses the list to one listener mid-emit
    });
    second = lone.event(() => seen.push('second'));
    lone.emit(1);
    expect(seen).toEqual(['first']);
  });

  it('skips a listener disposed after an earlier dispose collapsed the list to one', () => {
    const emitter = new EventEmitter<number>();
    const seen: string[] = [];
    const subs: { dispose(): void }[] = [];
    subs.push(
      emitter.event(() => {
        seen.push('a');
        subs[1]?.dispose();
        subs[0]?.dispose(); // the list collapses to the third listener alone
        subs[2]?.dispose(); // then that one goes too
      }),
    );
    subs.push(emitter.event(() => seen.push('b')));
    subs.push(emitter.event(() => seen.push('c')));
    emitter.emit(1);
    expect(seen).toEqual(['a']);
  });

  it('calls no further listener once an earlier one clears the emitter', () => {
    const emitter = new EventEmitter<number>();
    const seen: string[] = [];
    emitter.event(() => {
      seen.push('a');
      emitter.clear();
    });
    emitter.event(() => seen.push('b'));
    emitter.emit(1);
    expect(seen).toEqual(['a']);
  });

  it('rejects a listener that is not a function', () => {
    const emitter = new EventEmitter<number>();
    expect(() => emitter.event(42 as never)).toThrow(
      new TypeError('Expected the event listener to be a function, got number'),
    );
  });

  it('clear removes every listener', () => {
    const emitter = new EventEmitter<number>();
    const f = jest.fn();
    const kept = emitter.event(f);
    emitter.event(f);
    emitter.clear();
    emitter.emit(1);
    expect(f).not.toHaveBeenCalled();
    kept.dispose(); // after a clear, a dispose does nothing
    const g = jest.fn();
    emitter.event(g);
    emitter.emit(2);
    expect(g).toHaveBeenCalledWith(2);
    expect(emitter.size).toBe(1);
    emitter.clear();
    emitter.emit(3);
    expect(g).toHaveBeenCalledTimes(1);
    expect(emitter.size).toBe(0);
  });

  it('emits to 100,000 listeners and lets them go in linear time', () => {
    // a long-lived policy whose event every request subscribes to for its duration: each emit
    // looked every listener up in the list (3.4 s for 100,000), and each dispose searched it
    // (1.9 s more to let them all go, newest first)
    const emitter = new EventEmitter<number>();
    let calls = 0;
    const started = performance.now();
    const subscriptions = Array.from({ length: 100_000 }, () => emitter.event(() => calls++));
    emitter.emit(1);
    for (const subscription of subscriptions.reverse()) subscription.dispose();
    const elapsed = performance.now() - started;
    expect(calls).toBe(100_000);
    expect(emitter.hasListeners).toBe(false);
    // about 60 ms
    expect(elapsed).toBeLessThan(1_000);
  });
});
