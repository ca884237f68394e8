import * as api from './index.js';

describe('@dyno/fetch exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_DEADLINE_HEADER',
      'DEFAULT_FETCH_HEDGE_OPTIONS',
      'DEFAULT_FETCH_RETRY_OPTIONS',
      'DEFAULT_RESILIENT_FETCH_OPTIONS',
      'HttpError',
      'readDeadline',
      'remainingDeadline',
      'resilientFetch',
      'runWithDeadline',
    ]);
  });
});
