import { EventEmitter } from '@dyno/core';
import type {
  BreakEvent,
  FailureEvent,
  NameEvent,
  RejectEvent,
  StateChangeEvent,
  SuccessEvent,
} from '../events.js';

/**
 * A breaker's emitters, each made on its first subscriber, so a breaker nobody listens to carries
 * one empty field instead of seven emitters.
 */
export class Emitters {
  stateChange: EventEmitter<StateChangeEvent> | undefined;
  break: EventEmitter<BreakEvent> | undefined;
  halfOpen: EventEmitter<NameEvent> | undefined;
  reset: EventEmitter<NameEvent> | undefined;
  success: EventEmitter<SuccessEvent> | undefined;
  failure: EventEmitter<FailureEvent> | undefined;
  reject: EventEmitter<RejectEvent> | undefined;

  /** The emitter of one event, made on first use. */
  get<K extends Exclude<keyof Emitters, 'get'>>(key: K): NonNullable<Emitters[K]> {
    const slots = this as Record<K, unknown>;
    if (slots[key] === undefined) slots[key] = new EventEmitter();
    return slots[key] as NonNullable<Emitters[K]>;
  }
}
