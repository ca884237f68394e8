import * as injection from './index.js';

describe('@dyno/injection exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(injection).sort()).toEqual([
      'CircularDependencyError',
      'DATACENTER_TIMEOUT',
      'DEFAULT_INJECT_OPTIONS',
      'DependencyError',
      'DependencyTimeoutError',
      'INTERNET_TIMEOUT',
      'LAN_TIMEOUT',
      'LOCALHOST_TIMEOUT',
      'inject',
    ]);
  });
});
