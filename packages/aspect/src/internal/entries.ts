import type { AfterFilter, AroundFilter, BeforeFilter } from '../filters.js';

/**
 * One registration. Filters are wrapped in an entry so that adding the same function twice gives
 * two registrations, each removed by its own `Disposable`.
 */
export interface Entry<F> {
  readonly filter: F;
}

/**
 * The filters of one name. Both arrays are replaced, never mutated, so a call that read them
 * keeps a consistent snapshot even if filters are added or removed while it runs.
 */
export interface Stage {
  readonly before: readonly Entry<BeforeFilter>[];
  readonly around: readonly Entry<AroundFilter>[];
  readonly after: readonly Entry<AfterFilter>[];
}

/** True when `stage` has no filter of any kind. */
export function isEmpty(stage: Stage): boolean {
  return stage.before.length === 0 && stage.around.length === 0 && stage.after.length === 0;
}

/** The stage of a name that has no filters. */
export const EMPTY_STAGE: Stage = Object.freeze({
  before: Object.freeze([]),
  around: Object.freeze([]),
  after: Object.freeze([]),
});
