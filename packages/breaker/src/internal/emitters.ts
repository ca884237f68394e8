import { EventEmitter } from '@dyno/core';
import type {
  BreakEvent,
  CircuitState,
  FailureEvent,
  NameEvent,
  RejectEvent,
  StateChangeEvent,
  SuccessEvent,
} from '../events.js';
import { EmitQueue } from './emit-queue.js';

/**
 * A breaker's emitters, each made on its first subscriber, so a breaker nobody listens to carries
 * one empty field instead of seven emitters. The `emit` helpers build a payload only for an
 * event someone listens to.
 */
export class Emitters {
  stateChange: EventEmitter<StateChangeEvent> | undefined;
  break: EventEmitter<BreakEvent> | undefined;
  halfOpen: EventEmitter<NameEvent> | undefined;
  reset: EventEmitter<NameEvent> | undefined;
  success: EventEmitter<SuccessEvent> | undefined;
  failure: EventEmitter<FailureEvent> | undefined;
  reject: EventEmitter<RejectEvent> | undefined;
  readonly #name: string;
  // transitions are emitted one after another, even when a listener makes one (made at the
  // first transition: most breakers never leave `closed`)
  #order: EmitQueue | undefined;

  /** `name` is the breaker's, to name it when one of its listeners throws. */
  constructor(name: string) {
    this.#name = name;
  }

  #inOrder(emits: () => void): void {
    this.#order ??= new EmitQueue(this.#name);
    this.#order.run(emits);
  }

  /**
   * The emitter of one event, made on first use. A listener that throws is reported by
   * `@dyno/core` (`reportListenerError`, as `@dyno/breaker "name" onBreak`) and never reaches
   * the breaker, so a transition is never left half done.
   */
  get<K extends Exclude<keyof Emitters, `emit${string}` | 'get' | 'timed'>>(
    key: K,
  ): NonNullable<Emitters[K]> {
    const slots = this as unknown as Record<K, unknown>;
    if (slots[key] === undefined) {
      const event = `on${key[0]?.toUpperCase()}${key.slice(1)}`;
      slots[key] = new EventEmitter(`@dyno/breaker "${this.#name}" ${event}`);
    }
    return slots[key] as NonNullable<Emitters[K]>;
  }

  /** True while someone listens to outcomes, so calls must be timed. */
  timed(): boolean {
    return this.success?.hasListeners === true || this.failure?.hasListeners === true;
  }

  emitOutcome(name: string, failure: boolean, value: unknown, duration: number): void {
    if (failure) {
      if (this.failure?.hasListeners) this.failure.emit({ name, duration, error: value });
    } else if (this.success?.hasListeners) {
      this.success.emit({ name, duration });
    }
  }

  emitReject(name: string, state: CircuitState): void {
    if (this.reject?.hasListeners) this.reject.emit({ name, state });
  }

  emitBreak(name: string, from: CircuitState, to: CircuitState, reason: unknown): void {
    this.#inOrder(() => {
      if (this.break?.hasListeners) this.break.emit({ name, reason });
      this.#change(name, from, to);
    });
  }

  emitHalfOpen(name: string, from: CircuitState, to: CircuitState): void {
    this.#inOrder(() => {
      if (this.halfOpen?.hasListeners) this.halfOpen.emit({ name });
      this.#change(name, from, to);
    });
  }

  emitReset(name: string, from: CircuitState, to: CircuitState): void {
    this.#inOrder(() => {
      if (this.reset?.hasListeners) this.reset.emit({ name });
      this.#change(name, from, to);
    });
  }

  emitChange(name: string, from: CircuitState, to: CircuitState): void {
    this.#inOrder(() => this.#change(name, from, to));
  }

  #change(name: string, from: CircuitState, to: CircuitState): void {
    if (this.stateChange?.hasListeners) {
      this.stateChange.emit({
        name,
        from,
        to,
      });
    }
  }
}
