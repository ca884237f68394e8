import * as dashboard from './index.js';

describe('@dyno/dashboard exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(dashboard).sort()).toEqual(['DEFAULT_DASHBOARD_OPTIONS', 'dashboard']);
  });
});
