import {
  type Awaitable,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  type ExecuteOptions,
  type Policy,
  resolveOptions,
  steadyClock,
} from '@dyno/core';
import type { TimeoutEvent } from './events.js';
import { notATask, readSignal } from './internal/arguments.js';
import { withResolvers } from './internal/promises.js';
import { Deadlines, type TimedOwner, TimedRun } from './internal/timed-run.js';
import { DEFAULT_TIMEOUT_OPTIONS, TIMEOUT_RULES, type TimeoutOptions } from './options.js';

type Resolved = Required<Omit<TimeoutOptions, 'name'>> & { readonly name?: string };
const noop = (): void => {};

/**
 * A deadline for a task. The caller's promise settles with `TimeoutError` at the deadline even if
 * the task ignores its signal; the task's `signal` is aborted with that error as its reason; the
 * timer is cleared the moment the task settles first. An abort of the caller's signal releases
 * the caller at once with the signal's reason (and aborts the task's signal too). A task that
 * ignores its signal runs on; its late result or error is dropped.
 *
 * ```ts
 * const timeout = new Timeout({ timeout: 500 });
 * const body = await timeout.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export class Timeout implements Policy {
  readonly #name: string;
  readonly #timeout: number;
  readonly #owner: TimedOwner;
  // made on first subscription
  #onTimeout: EventEmitter<TimeoutEvent> | undefined;

  /** Fires when a task's deadline passes before it settled. */
  get onTimeout(): Event<TimeoutEvent> {
    // names the timeout when one of its listeners throws (core reports it; the call goes on)
    this.#onTimeout ??= new EventEmitter(`@dyno/pool ${JSON.stringify(this.#name)} onTimeout`);
    return this.#onTimeout.event;
  }

  /** @throws TypeError or RangeError for bad options (a timeout of 0, negative or non-finite) */
  constructor(options?: TimeoutOptions) {
    const o = resolveOptions<Resolved>(
      '@dyno/pool',
      options,
      TIMEOUT_RULES,
      DEFAULT_TIMEOUT_OPTIONS,
    );
    const name = o.name ?? defaultName('timeout');
    this.#name = name;
    this.#timeout = o.timeout;
    this.#owner = {
      name,
      deadlines: new Deadlines(steadyClock(o.clock, '@dyno/pool', name)),
      // no slot to give back: a released task leaves the deadline list at once
      grace: () => false,
      expired: (timeout) => {
        const emitter = this.#onTimeout;
        if (emitter?.hasListeners) emitter.emit(Object.freeze({ name, timeout }));
      },
      finished: noop,
      abandon: () => false,
      abandonedSettled: noop,
    };
  }

  /** The instance name used in events and errors. */
  get name(): string {
    return this.#name;
  }

  /** The deadline of each task, in ms from its start (read-only). */
  get timeout(): number {
    return this.#timeout;
  }

  /**
   * Runs `fn` with a deadline. An already-aborted `signal` rejects before `fn` runs.
   * @returns the task's result, or a rejection with `TimeoutError`, the task's error, the
   * caller signal's reason, or a `TypeError` naming `fn` when it is not a function
   */
  execute<T>(fn: (context: ExecuteContext) => Awaitable<T>, options?: ExecuteOptions): Promise<T> {
    if (typeof fn !== 'function') return notATask(fn);
    const signal = readSignal(options);
    if (signal instanceof Promise) return signal; // the call is refused
    const { promise, resolve, reject } = withResolvers<T>();
    new TimedRun<T>({ owner: this.#owner, fn, signal, timeout: this.#timeout, resolve, reject });
    return promise;
  }
}
