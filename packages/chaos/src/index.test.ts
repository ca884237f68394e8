import * as chaos from './index.js';

describe('@dyno/chaos exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(chaos).sort()).toEqual([
      'Chaos',
      'ChaosError',
      'DEFAULT_CHAOS_OPTIONS',
      'FAULT_KINDS',
    ]);
  });
});
