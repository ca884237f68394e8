import { type ListenerErrorEvent, onListenerError } from '../report.js';
import { flushPromises } from './flush.js';
import { ManualClock } from './manual-clock.js';

/**
 * What fault tests throw and reject with besides errors, each with a name for `it.each`: a
 * policy must hand these on (or report them) exactly as it does an `Error`.
 */
export const NON_ERRORS: readonly (readonly [name: string, value: unknown])[] = Object.freeze([
  Object.freeze(['a string', 'boom'] as const),
  Object.freeze(['undefined', undefined] as const),
  Object.freeze(['null', null] as const),
  Object.freeze(['a plain object', Object.freeze({ reason: 'down' })] as const),
]);

/**
 * Failures that cannot become text, made fresh on each call: a revoked proxy (every access
 * throws, `instanceof` too), an `Error` whose `message` getter throws and one whose `name` is a
 * symbol. Whatever names a failure in a message must still settle, and never throw, with these.
 */
export function undescribableFailures(): [proxy: unknown, opaque: Error, symbolName: Error] {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const opaque = new Error('x');
  Object.defineProperty(opaque, 'message', {
    get() {
      throw new Error('message getter');
    },
  });
  const symbolName = new Error('x');
  (symbolName as { name: unknown }).name = Symbol('odd');
  return [proxy, opaque, symbolName];
}

/**
 * Native promises tampered with, made fresh on each call, each with a name for `it.each`: one
 * with its own `then` that calls back with `'ok'` and then with an error and returns no promise,
 * one whose own `constructor` getter throws (the native `then` reads it, so it throws too). A
 * policy must answer either with one native promise that settles once, and never throw.
 */
export function tamperedPromises(): [name: string, value: Promise<string>][] {
  const ownThen = Promise.resolve('ok');
  ownThen.then = ((ok?: (v: string) => unknown, fail?: (e: unknown) => unknown) => {
    ok?.('ok');
    fail?.(new Error('called back twice'));
    return 'not a promise';
  }) as never;
  const noConstructor = Promise.resolve('ok');
  Object.defineProperty(noConstructor, 'constructor', {
    get() {
      throw new Error('constructor getter');
    },
  });
  return [
    ['a native promise with its own then', ownThen],
    ['a native promise whose constructor getter throws', noConstructor],
  ];
}

/** A promise that never settles: a dependency that hangs and ignores any signal. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/** How a promise stands: fulfilled with `value`, rejected with `error`, or still pending. */
export type Outcome = { readonly value: unknown } | { readonly error: unknown } | 'pending';

/**
 * How `promise` stands once every callback queued so far has run: a hang shows as `'pending'`
 * at once, instead of as a test timeout.
 */
export async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  let result: Outcome = 'pending';
  promise.then(
    (value) => {
      result = { value };
    },
    (error: unknown) => {
      result = { error };
    },
  );
  await flushPromises();
  return result;
}

/**
 * What a promise-returning call settled with: the reason it rejected with, or `{ value }` when
 * it fulfilled. `run` must not throw: an asynchronous API that throws instead of rejecting fails
 * the test with an error saying so (its `cause` is what was thrown).
 */
export async function rejectionOf(run: () => PromiseLike<unknown>): Promise<unknown> {
  let promise: PromiseLike<unknown>;
  try {
    promise = run();
  } catch (error) {
    throw new Error('the call threw synchronously instead of returning a rejected promise', {
      cause: error,
    });
  }
  return Promise.resolve(promise).then(
    (value) => ({ value }),
    (error: unknown) => error,
  );
}

/** What `fn` threw synchronously, boxed so that a thrown `undefined` can be told from no throw. */
export function thrown(fn: () => unknown): { readonly error: unknown } | undefined {
  try {
    fn();
  } catch (error) {
    return { error };
  }
  return undefined;
}

/**
 * Runs `fn`, then waits the turns after which Node reports an unhandled rejection: jest fails
 * the test that leaves one, so it must happen while the test still runs.
 */
export async function settledTurns(fn: () => unknown): Promise<void> {
  await fn();
  await flushPromises();
  await flushPromises();
}

/** What `reportListenerError` receives while `fn` runs (and the callbacks it queued). */
export async function listenerReports(fn: () => unknown): Promise<ListenerErrorEvent[]> {
  const seen: ListenerErrorEvent[] = [];
  const subscription = onListenerError((event) => seen.push(event));
  try {
    await fn();
    await flushPromises();
  } finally {
    subscription.dispose();
  }
  return seen;
}

/** A manual clock whose `now()` throws `failure` while `failing` is set: a broken clock. */
export class FailingClock extends ManualClock {
  failing = false;
  failure: unknown = 'clock broken';

  override now(): number {
    if (this.failing) throw this.failure;
    return super.now();
  }
}

/**
 * A manual clock whose `now()` answers `read(time)` while `read` is set, `time` being the manual
 * time: a clock that misbehaves as user clocks do (`() => NaN`, `() => undefined`, `() => '5'`,
 * `(t) => t - 86_400_000` for a wall clock stepped back a day). Its timers are the manual ones.
 */
export class OddClock extends ManualClock {
  read: ((time: number) => unknown) | undefined = undefined;

  override now(): number {
    const time = super.now();
    return this.read === undefined ? time : (this.read(time) as number);
  }
}
