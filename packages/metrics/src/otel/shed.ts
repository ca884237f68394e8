import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import { SHED_CLASSES, SHED_PRIORITIES, SHED_REASONS } from '../internal/shed-slots.js';
import type { Metrics } from '../metrics.js';
import type { MetricsSnapshot } from '../snapshot.js';
import { Carry } from './carry.js';

/** The instruments of an observed load shedder. */
export interface ShedInstruments {
  readonly instruments: Observable[];
  /** Reports the shedder of snapshot `s` (of `metrics`), when one is observed. */
  observe(result: BatchObservableResult, metrics: Metrics, s: MetricsSnapshot): void;
  /** Ends a collection (see `Carry.sweep`). */
  sweep(): void;
}

const REFUSALS = SHED_REASONS.flatMap((reason) =>
  SHED_CLASSES.map((priority) => ({ reason, priority })),
);

/**
 * Makes `shed.admitted` (`dyno.shed.priority`) and `shed.refused` (`dyno.shed.reason`,
 * `dyno.shed.priority`): observable counters since creation, continued across a re-created
 * name, every series reported (0 included).
 */
export function shedInstruments(meter: Meter, prefix: string): ShedInstruments {
  const admitted = meter.createObservableCounter(`${prefix}shed.admitted`, {
    description: 'Requests the load shedder let through, by priority class.',
    unit: '{request}',
  });
  const refused = meter.createObservableCounter(`${prefix}shed.refused`, {
    description: 'Requests the load shedder answered 503, by reason and priority class.',
    unit: '{request}',
  });
  const carry = new Carry();
  const observe = (result: BatchObservableResult, metrics: Metrics, s: MetricsSnapshot): void => {
    const shed = s.shed;
    if (shed === null) return;
    const t = shed.totals;
    const now = [
      ...SHED_PRIORITIES.map((p) => t.admittedBy[p]),
      ...REFUSALS.map(({ reason, priority }) => t.refusedBy[reason][priority]),
    ];
    const v = carry.continued(metrics, s.name, now);
    const a = { 'dyno.name': s.name, 'dyno.shed.name': shed.name };
    SHED_PRIORITIES.forEach((priority, i) => {
      result.observe(admitted, v[i] as number, { ...a, 'dyno.shed.priority': priority });
    });
    REFUSALS.forEach(({ reason, priority }, i) => {
      const attributes = { ...a, 'dyno.shed.reason': reason, 'dyno.shed.priority': priority };
      result.observe(refused, v[SHED_PRIORITIES.length + i] as number, attributes);
    });
  };
  return { instruments: [admitted, refused], observe, sweep: () => carry.sweep() };
}
