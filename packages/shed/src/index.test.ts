import * as shed from './index.js';

describe('@dyno/shed exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(shed).sort()).toEqual([
      'DEFAULT_SHEDDER_OPTIONS',
      'Shedder',
      'defaultPriority',
    ]);
  });
});
