import * as stats from './index.js';

describe('@dyno/stats exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(stats).sort()).toEqual([
      'DEFAULT_HISTOGRAM_OPTIONS',
      'Histogram',
      'mean',
      'percentile',
      'stddev',
    ]);
  });
});
