import * as breaker from './index.js';

describe('@dyno/breaker exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(breaker).sort()).toEqual([
      'BrokenCircuitError',
      'CircuitBreaker',
      'DEFAULT_CIRCUIT_BREAKER_OPTIONS',
      'DEFAULT_FUSE_OPTIONS',
      'DEFAULT_HALF_OPEN_RATIO',
      'DEFAULT_STRATEGY_OPTIONS',
      'Fuse',
      'ProbeTimeoutError',
      'isCircuitSnapshot',
    ]);
  });
});
