import type { Disposable, Event } from '@dyno/core';
import { shedAdmitSlot, shedRefuseSlot } from './internal/shed-slots.js';
import type { Sink } from './internal/sink.js';

/**
 * What `observe` needs of a load shedder (a `@dyno/shed` `Shedder` fits): an event for every
 * request let through and one for every request answered 503. Its limit and slots are its
 * pool's: observe `shedder.pool` as well for those gauges.
 */
export interface ObservableShedder {
  readonly name: string;
  readonly onAdmit: Event<{
    readonly name: string;
    /** `'health'`, `'critical'` or `'sheddable'`. */
    readonly priority: string;
  }>;
  readonly onShed: Event<{
    readonly name: string;
    /** `'critical'` or `'sheddable'` (health checks are never shed). */
    readonly priority: string;
    /** `'limit'`, `'event-loop'` or `'closed'`. */
    readonly reason: string;
  }>;
}

/**
 * Counts the requests `shedder` lets through by priority class, and those it sheds by reason
 * and priority class (a class or reason it does not know is not counted); subscriptions into
 * `subs`.
 */
export function bindShedder(sink: Sink, shedder: ObservableShedder, subs: Disposable[]): void {
  sink.attach('shed', shedder);
  subs.push(
    shedder.onAdmit((e) => {
      const slot = shedAdmitSlot(e.priority);
      if (slot !== undefined) sink.fact('shed', slot);
    }),
  );
  subs.push(
    shedder.onShed((e) => {
      const slot = shedRefuseSlot(e.reason, e.priority);
      if (slot !== undefined) sink.fact('shed', slot);
    }),
  );
}
