import * as timing from './index.js';

describe('@dyno/timing exports', () => {
  it('pins the public API', () => {
    expect(Object.keys(timing).sort()).toEqual([
      'DEFAULT_PERF_TIMER_OPTIONS',
      'DEFAULT_SERVER_TIMING_OPTIONS',
      'Mark',
      'PerfTimer',
      'TimerStateError',
      'currentTimer',
      'exportSpans',
      'timed',
      'withTimer',
    ]);
  });
});
