import * as retry from './index.js';

describe('@dyno/retry exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(retry).sort()).toEqual([
      'CompoundError',
      'ConstantBackoff',
      'DEFAULT_CONSTANT_BACKOFF_OPTIONS',
      'DEFAULT_DECORRELATED_JITTER_BACKOFF_OPTIONS',
      'DEFAULT_EXPONENTIAL_BACKOFF_OPTIONS',
      'DEFAULT_LINEAR_BACKOFF_OPTIONS',
      'DEFAULT_RETRY_BUDGET_OPTIONS',
      'DEFAULT_RETRY_OPTIONS',
      'DecorrelatedJitterBackoff',
      'ExponentialBackoff',
      'LinearBackoff',
      'Retry',
      'RetryBudget',
      'retry',
    ]);
  });
});
