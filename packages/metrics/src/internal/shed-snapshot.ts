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
  const admittedBy = {
    health: v[shedAdmitSlot('health')] as number,
    critical: v[shedAdmitSlot('critical')] as number,
    sheddable: v[shedAdmitSlot('sheddable')] as number,
  };
  const refusedBy = {} as RefusedBy;
  let refused = 0;
  for (const reason of SHED_REASONS) {
    const critical = v[shedRefuseSlot(reason, 'critical')] as number;
    const sheddable = v[shedRefuseSlot(reason, 'sheddable')] as number;
    refusedBy[reason] = { critical, sheddable };
    refused += critical + sheddable;
  }
  const admitted = admittedBy.health + admittedBy.critical + admittedBy.sheddable;
  return { admitted, refused, admittedBy, refusedBy };
}
