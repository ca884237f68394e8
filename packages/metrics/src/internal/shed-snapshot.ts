import type { ShedCounts, ShedSnapshot } from '../snapshot.js';
import { SHED_REASONS, shedAdmitSlot, shedRefuseSlot } from './shed-slots.js';
import type { SourceFacts } from './source-facts.js';

type RefusedBy = Record<(typeof SHED_REASONS)[number], { critical: number; sheddable: number }>;

/** The observed shedder's counts over the window and since creation; `null` when none. */
export function shedSnapshot(facts: SourceFacts): ShedSnapshot | null {
  const read = facts.read<{ name: string }>('shed');
  if (read === undefined) return null;
  const { window, total } = read.counts.sums();
  return { name: read.source.name, ...counts(window), totals: counts(total) };
}

function counts(v: Float64Array): ShedCounts {
  // every class and reason read here is a known one, so each has its slot
  const admittedWith = (priority: string) => v[shedAdmitSlot(priority) as number] as number;
  const refusedWith = (reason: string, priority: string) =>
    v[shedRefuseSlot(reason, priority) as number] as number;
  const admittedBy = {
    health: admittedWith('health'),
    critical: admittedWith('critical'),
    sheddable: admittedWith('sheddable'),
  };
  const refusedBy = {} as RefusedBy;
  let refused = 0;
  for (const reason of SHED_REASONS) {
    const critical = refusedWith(reason, 'critical');
    const sheddable = refusedWith(reason, 'sheddable');
    refusedBy[reason] = { critical, sheddable };
    refused += critical + sheddable;
  }
  const admitted = admittedBy.health + admittedBy.critical + admittedBy.sheddable;
  return { admitted, refused, admittedBy, refusedBy };
}
