import * as breakerRedis from './index.js';

describe('@dyno/breaker-redis exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(breakerRedis).sort()).toEqual([
      'DEFAULT_FLEET_CIRCUIT_OPTIONS',
      'DEFAULT_QUORUM_OPTIONS',
      'FleetCircuit',
      'FleetOpenError',
      'loadCircuitSnapshot',
      'saveCircuitSnapshot',
    ]);
  });

  it('freezes its defaults', () => {
    expect(Object.isFrozen(breakerRedis.DEFAULT_FLEET_CIRCUIT_OPTIONS)).toBe(true);
    expect(Object.isFrozen(breakerRedis.DEFAULT_QUORUM_OPTIONS)).toBe(true);
  });
});
