import * as aspect from './index.js';

describe('@dyno/aspect exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(aspect).sort()).toEqual([
      'AspectRegistry',
      'DEFAULT_ADVERTISE_OPTIONS',
      'FilterResultError',
      'advertise',
      'defaultRegistry',
    ]);
  });
});
