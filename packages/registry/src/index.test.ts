import * as registry from './index.js';

describe('@dyno/registry exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(registry).sort()).toEqual([
      'AlreadyRegistered',
      'CircularProvider',
      'DEFAULT_PROVIDE_OPTIONS',
      'NotReady',
      'NotRegistered',
      'Registry',
    ]);
  });
});
