import * as api from './index.js';

describe('@dyno/service exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(api).sort()).toEqual(['DEFAULT_SERVICE_OPTIONS', 'service', 'withService']);
  });
});
