import * as api from './index.js';

describe('@dyno/hedge exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_HEDGE_BUDGET_OPTIONS',
      'DEFAULT_HEDGE_OPTIONS',
      'DEFAULT_PERCENTILE_DELAY',
      'Hedge',
      'HedgeBudget',
      'HedgeError',
      'HedgeLostError',
      'hedge',
    ]);
  });
});
