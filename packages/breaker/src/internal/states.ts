import type { CircuitState } from '../events.js';

// A breaker keeps its state as a small integer; these name them.
export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;
export const ISOLATED = 3;
export const DISABLED = 4;
export const STATES: readonly CircuitState[] = [
  'closed',
  'open',
  'half-open',
  'isolated',
  'disabled',
];
