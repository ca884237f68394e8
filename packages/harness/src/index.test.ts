import * as harness from './index.js';

describe('@dyno/harness exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(harness).sort()).toEqual([
      'DEFAULT_HARNESS_OPTIONS',
      'ErrorCounts',
      'defaultErrorCounts',
      'harness',
    ]);
  });
});
