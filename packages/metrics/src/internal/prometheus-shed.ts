import type { ShedSnapshot } from '../snapshot.js';
import { escapeLabelValue } from './exposition.js';
import type { Family } from './family-writer.js';
import { SHED_CLASSES, SHED_PRIORITIES, SHED_REASONS } from './shed-slots.js';

/**
 * Adds an observed load shedder's counters since creation: `shed_admitted_total{priority}` and
 * `shed_refused_total{reason,priority}`, every series written (0 included) so a rate over it
 * exists before the first shed request.
 */
export function addShedFamilies(counter: Family, shed: ShedSnapshot): void {
  const l = `,shedder="${escapeLabelValue(shed.name)}"`;
  const t = shed.totals;
  for (const priority of SHED_PRIORITIES) {
    counter(
      'shed_admitted_total',
      'Requests the load shedder let through, by priority class, since start.',
      t.admittedBy[priority],
      `${l},priority="${priority}"`,
    );
  }
  for (const reason of SHED_REASONS) {
    for (const priority of SHED_CLASSES) {
      counter(
        'shed_refused_total',
        'Requests the load shedder answered 503, by reason and priority class, since start.',
        t.refusedBy[reason][priority],
        `${l},reason="${reason}",priority="${priority}"`,
      );
    }
  }
}
