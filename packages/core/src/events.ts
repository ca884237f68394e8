import type { Disposable } from './disposable.js';
import { reportListenerError, reportRejection } from './report.js';

/** A listener of an event with payload `T` (an async one's rejection is reported as a throw is). */
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
  // one subscription, or a set of two or more in the order they are called: a set, not an
  // array, so that a long-lived event with thousands of per-request listeners emits and lets
  // each go in linear time, not quadratic
  #listeners: Subscription<T> | Set<Subscription<T>> | undefined;
  readonly #source: string;

  /** @param source who calls the listeners, as reported when one throws (`'@dyno/pool onReject'`) */
  constructor(source = 'an event listener') {
    this.#source = source;
  }

  /**
   * The subscribe function to expose as a public event. Made on each read and not kept: it is
   * read to subscribe, rarely, and an emitter held by thousands of services stays one small
   * object whether or not it was ever subscribed to.
   */
  get event(): Event<T> {
    return (listener) => this.#subscribe(listener);
  }

  /** True when someone listens: check it before building an expensive payload. */
  get hasListeners(): boolean {
    return this.#listeners !== undefined;
  }

  /** The number of listeners. */
  get size(): number {
    const current = this.#listeners;
    return current === undefined ? 0 : current instanceof Set ? current.size : 1;
  }

  /** Calls every listener with `payload`. */
  emit(payload: T): void {
    const current = this.#listeners;
    if (current === undefined) return;
    if (!(current instanceof Set)) {
      call(current.listener, payload, this.#source);
      return;
    }
    // listeners added during this emit wait for the next one; one removed by an earlier listener
    // of this emit (or by `clear`) is not called, as EventTarget does
    for (const subscription of Array.from(current)) {
      if (subscription.subscribed) call(subscription.listener, payload, this.#source);
    }
  }

  /** Removes every listener. */
  clear(): void {
    const current = this.#listeners;
    this.#listeners = undefined;
    if (current instanceof Set) for (const subscription of current) subscription.detach();
    else current?.detach();
  }

  // each subscription is its own object, so subscribing one function twice gives two
  // independent subscriptions
  #subscribe(listener: Listener<T>): Disposable {
    if (typeof listener !== 'function') {
      throw new TypeError(`Expected the event listener to be a function, got ${typeof listener}`);
    }
    const subscription = new EventEmitter.#Subscription(this, listener);
    const current = this.#listeners;
    if (current === undefined) this.#listeners = subscription;
    else if (current instanceof Set) current.add(subscription);
    else this.#listeners = new Set([current, subscription]);
    return subscription;
  }

  #remove(subscription: Subscription<T>): void {
    const current = this.#listeners;
    if (current === subscription) {
      this.#listeners = undefined;
      return;
    }
    if (!(current instanceof Set) || !current.delete(subscription)) return;
    // the set always holds two or more: one left is kept alone (emit then allocates nothing)
    if (current.size === 1) this.#listeners = current.values().next().value;
  }

  /**
   * A subscription: disposing it unsubscribes, once. A class in the emitter's body, the only
   * place that can reach the emitter's private list.
   */
  static readonly #Subscription = class EmitterSubscription<T> implements Subscription<T> {
    #emitter: EventEmitter<T> | undefined;

    constructor(
      emitter: EventEmitter<T>,
      readonly listener: Listener<T>,
    ) {
      this.#emitter = emitter;
    }

    get subscribed(): boolean {
      return this.#emitter !== undefined;
    }

    detach(): void {
      this.#emitter = undefined;
    }

    dispose(): void {
      const emitter = this.#emitter;
      if (emitter === undefined) return;
      this.#emitter = undefined;
      emitter.#remove(this);
    }

    [Symbol.dispose](): void {
      this.dispose();
    }
  };
}

/** One listener's place in an emitter. */
interface Subscription<T> extends Disposable {
  readonly listener: Listener<T>;
  /** Not disposed, nor cleared from its emitter. */
  readonly subscribed: boolean;
  /** Marks it unsubscribed without touching the emitter's list (`clear` dropped the list). */
  detach(): void;
}

function call<T>(listener: Listener<T>, payload: T, source: string): void {
  try {
    const result: unknown = listener(payload);
    if (result !== undefined) reportRejection(result, source);
  } catch (error) {
    reportListenerError(error, source);
  }
}
