import { BrokenCircuitError } from '@dyno/breaker';
import { onListenerError } from '@dyno/core';
import type { FallbackEvent } from './events.js';
import { service } from './service.js';
import { settle, tripAfter, watchUnhandled } from './test-support/helpers.js';

const down = new Error('down');
const failing = () => Promise.reject(down);

describe('service fallback', () => {
  it('resolves with a fallback value and records a fallback success', async () => {
    const s = service(failing, { retry: false, fallback: 'cached' });
    await expect(s()).resolves.toBe('cached');
    const counts = s.metrics?.snapshot().counts;
    expect(counts?.failure).toBe(1);
    expect(counts?.fallbackSuccess).toBe(1);
  });

  it('falls back to null (a value) but not to undefined (no fallback)', async () => {
    await expect(service(failing, { retry: false, fallback: null })()).resolves.toBeNull();
    await expect(service(failing, { retry: false, fallback: undefined })()).rejects.toBe(down);
  });

  it('calls a fallback function with the failure, the arguments and this', async () => {
    const seen: unknown[] = [];
    const s = service((_, id: number) => Promise.reject(new Error(`no ${id}`)), {
      retry: false,
      fallback(this: unknown, error, args) {
        seen.push(this, (error as Error).message, args);
        return Promise.resolve(-1);
      },
    });
    const self = { s };
    await expect(self.s(7)).resolves.toBe(-1);
    expect(seen).toEqual([self, 'no 7', [7]]);
  });

  it('releases a caller who aborts while a fallback hangs, and counts the fallback as it ends', async () => {
    let answer: (value: string) => void = () => {};
    const s = service(failing, {
      retry: false,
      fallback: () => new Promise<string>((resolve) => (answer = resolve)),
    });
    const controller = new AbortController();
    let outcome: unknown = 'still pending';
    void s
      .withSignal(controller.signal)()
      .catch((e: unknown) => (outcome = e));
    await settle();
    const reason = new Error('caller left');
    controller.abort(reason);
    await settle();
    expect(outcome).toBe(reason);
    answer('late');
    await settle();
    expect(s.metrics?.snapshot().counts.fallbackSuccess).toBe(1);
  });

  it('falls back when the circuit is open, with the refusal as the error', async () => {
    const errors: unknown[] = [];
    const s = service(failing, {
      retry: false,
      breaker: tripAfter(1),
      fallback: (error) => {
        errors.push(error);
        return 'fb';
      },
    });
    await s();
    await expect(s()).resolves.toBe('fb');
    expect(BrokenCircuitError.isInstance(errors[1])).toBe(true);
    expect(s.metrics?.snapshot().counts.fallbackSuccess).toBe(2);
  });

  it.each([
    ['throws', new Error('fallback broke')],
    ['throws a non-Error', 'plain'],
    ['rejects', new Error('fallback rejected')],
    ['rejects with undefined', undefined],
  ])('rejects with what a fallback function %s, as itself', async (how, thrown) => {
    const unhandled = watchUnhandled();
    const fallback = how.startsWith('throws')
      ? () => {
          throw thrown;
        }
      : () => Promise.reject(thrown);
    const s = service(failing, { name: 'users', retry: false, fallback });
    const events: FallbackEvent[] = [];
    s.onFallback((e) => events.push(e));
    await expect(s()).rejects.toBe(thrown);
    expect(s.metrics?.snapshot().counts.fallbackFailure).toBe(1);
    expect(s.metrics?.snapshot().counts.fallbackSuccess).toBe(0);
    expect(events).toEqual([
      { name: 'users', error: down, succeeded: false, fallbackError: thrown },
    ]);
    unhandled.stop();
    expect(unhandled.seen).toEqual([]);
  });

  it('answers with a thenable a fallback function returns', async () => {
    const s = service(failing, {
      retry: false,
      fallback: () =>
        ({ then: (resolve: (v: string) => void) => resolve('later') }) as PromiseLike<string>,
    });
    await expect(s()).resolves.toBe('later');
  });

  it('counts a fallback value whose then cannot be read as the failure the caller gets', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const s = service(failing, { retry: false, fallback: () => proxy });
    const events: FallbackEvent[] = [];
    s.onFallback((event) => events.push(event));
    const seen = await s().catch((error: unknown) => error);
    expect(seen).toBeInstanceOf(TypeError);
    const totals = s.metrics?.snapshot().totals;
    expect([totals?.fallbackSuccess, totals?.fallbackFailure]).toEqual([0, 1]);
    expect(events.map((e) => [e.succeeded, e.fallbackError])).toEqual([[false, seen]]);
  });

  it('works without metrics', async () => {
    const s = service(failing, { retry: false, metrics: false, fallback: () => 1 });
    await expect(s()).resolves.toBe(1);
    const broken = new Error('x');
    const t = service(failing, {
      retry: false,
      metrics: false,
      fallback: () => {
        throw broken;
      },
    });
    await expect(t()).rejects.toBe(broken);
  });
});

describe('service onFallback', () => {
  it('reports each answered failure with the error that led to it', async () => {
    let calls = 0;
    const s = service(
      () => {
        calls++;
        return calls === 1 ? Promise.reject(down) : 'ok';
      },
      { name: 'prices', retry: false, fallback: (_error, args) => `fb ${args.length}` },
    );
    const events: FallbackEvent[] = [];
    const sub = s.onFallback((e) => events.push(e));
    await expect(s()).resolves.toBe('fb 0');
    await expect(s()).resolves.toBe('ok');
    expect(events).toEqual([{ name: 'prices', error: down, succeeded: true }]);
    expect(Object.isFrozen(events[0])).toBe(true);
    sub.dispose();
    calls = 0;
    await s();
    expect(events).toHaveLength(1);
  });

  it('keeps the call and the process going when a listener throws, and reports it', async () => {
    const reported: unknown[] = [];
    const report = onListenerError((e) => reported.push(e.error, e.source));
    const bug = new Error('listener bug');
    const s = service(failing, { retry: false, fallback: 'fb' });
    s.onFallback(() => {
      throw bug;
    });
    await expect(s()).resolves.toBe('fb');
    expect(reported).toEqual([bug, '@dyno/service onFallback']);
    report.dispose();
  });
});
