// The fact slots of an observed load shedder: three for the requests let through (one per
// priority class), then one per reason and sheddable class for the requests shed.

/** The priority classes a shedder admits, in slot order. */
export const SHED_PRIORITIES: readonly ['health', 'critical', 'sheddable'] = [
  'health',
  'critical',
  'sheddable',
];
/** The classes a shedder may shed (health checks never are), in slot order. */
export const SHED_CLASSES: readonly ['critical', 'sheddable'] = ['critical', 'sheddable'];
/** Why a shedder sheds, in slot order. */
export const SHED_REASONS: readonly ['limit', 'event-loop', 'closed'] = [
  'limit',
  'event-loop',
  'closed',
];

/** How many slots a shedder's facts take. */
export const SHED_SLOTS: number =
  SHED_PRIORITIES.length + SHED_REASONS.length * SHED_CLASSES.length;

/** The slot of a request let through with `priority`; `undefined` for a class not known. */
export function shedAdmitSlot(priority: string): number | undefined {
  const p = (SHED_PRIORITIES as readonly string[]).indexOf(priority);
  return p === -1 ? undefined : p;
}

/** The slot of a request shed for `reason` with `priority`; `undefined` for either not known. */
export function shedRefuseSlot(reason: string, priority: string): number | undefined {
  const r = (SHED_REASONS as readonly string[]).indexOf(reason);
  const p = (SHED_CLASSES as readonly string[]).indexOf(priority);
  if (r === -1 || p === -1) return undefined;
  return SHED_PRIORITIES.length + r * SHED_CLASSES.length + p;
}
