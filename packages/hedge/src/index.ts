export { HedgeError, HedgeLostError } from './errors.js';
export type { HedgeEvent, RefuseEvent, WinEvent } from './events.js';
export { type HedgeCallOptions, type HedgedFunction, hedge } from './hedge.js';
export {
  DEFAULT_HEDGE_BUDGET_OPTIONS,
  HedgeBudget,
  type HedgeBudgetOptions,
} from './hedge-budget.js';
export { Hedge, type HedgeContext, type HedgeCounts } from './hedge-policy.js';
export {
  DEFAULT_HEDGE_OPTIONS,
  DEFAULT_PERCENTILE_DELAY,
  type HedgeOptions,
  type HedgeOutcome,
  type PercentileDelay,
} from './options.js';
