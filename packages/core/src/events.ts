import { type Disposable, toDisposable } from './disposable.js';
import { reportListenerError } from './report.js';

/** A listener of an event with payload `T`. */
export type Listener<T> = (payload: T) => void;

/**
 * An event is a function: pass a listener, get a `Disposable` back that unsubscribes it.
 * `breaker.onBreak(e => log(e))`.
 */
export type Event<T> = (listener: Listener<T>) => Disposable;

/**
 * A lean emitter. With no listener `emit` is one comparison; with one listener nothing is
 * allocated; a listener that throws never breaks the emitter, the other listeners or the call that
 * emitted (its error goes to `reportListenerError`, named after `source`).
 */
export class EventEmitter<T> {
  #listeners: Listener<T> | Listener<T>[] | undefined;
  readonly #source: string;

  /** @param source who calls the listeners, as reported when one throws (`'@dyno/pool onReject'`) */
  constructor(source = 'an event listener') {
    this.#source = source;
  }

  /** The subscribe function to expose as a public event. */
  readonly event: Event<T> = (listener) => {
    if (typeof listener !== 'function') {
      throw new TypeError(`Expected the event listener to be a function, got ${typeof listener}`);
    }
    // Wrap so that subscribing the same function twice gives two independent subscriptions.
    const entry: Listener<T> = (payload) => listener(payload);
    const current = this.#listeners;
    if (current === undefined) this.#listeners = entry;
    else if (typeof current === 'function') this.#listeners = [current, entry];
    else current.push(entry);
    return toDisposable(() => this.#remove(entry));
  };

  /** True when someone listens: check it before building an expensive payload. */
  get hasListeners(): boolean {
    return this.#listeners !== undefined;
  }

  /** The number of listeners. */
  get size(): number {
    const current = this.#listeners;
    return current === undefined ? 0 : typeof current === 'function' ? 1 : current.length;
  }

  /** Calls every listener with `payload`. */
  emit(payload: T): void {
    const current = this.#listeners;
    if (current === undefined) return;
    if (typeof current === 'function') {
      call(current, payload, this.#source);
      return;
    }
    // listeners added during this emit wait for the next one; one removed by an earlier listener
    // of this emit is not called (as EventTarget does): `#remove` splices this very array
    for (const listener of current.slice()) {
      if (current.includes(listener)) call(listener, payload, this.#source);
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners = undefined;
  }

  #remove(entry: Listener<T>): void {
    const current = this.#listeners;
    if (current === entry) {
      this.#listeners = undefined;
      return;
    }
    if (!Array.isArray(current)) return;
    const index = current.indexOf(entry);
    if (index !== -1) current.splice(index, 1);
    if (current.length === 1) this.#listeners = current[0];
    else if (current.length === 0) this.#listeners = undefined;
  }
}

function call<T>(listener: Listener<T>, payload: T, source: string): void {
  try {
    listener(payload);
  } catch (error) {
    reportListenerError(error, source);
  }
}
