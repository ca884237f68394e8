// What a run measures, in report order, and Dyno's targets from the issues.
export const SCENARIO_ORDER = [
  'retry',
  'breaker',
  'breakerOpen',
  'bulkhead',
  'timeout',
  'composed',
  'histogram',
  'cache',
  'tieredHit',
  'fetch',
  'hedgeTail',
  'fleetRate',
];

export const TARGETS = {
  retry: '≤ 2.5×',
  breaker: '≤ 2.5×',
  breakerOpen: '≤ 50×',
  bulkhead: '≤ 4×',
  timeout: '≤ 6×',
  composed: '≤ 12×',
  histogram: '≤ 25 ns',
  memory: '≤ 600 B (0)',
  tieredHit: '≤ 1.5× lru-cache fetch',
  fetch: '≤ 1.05×',
  hedgeTail: 'p99 ≥ 3× lower, ≤ 10 % extra',
};
