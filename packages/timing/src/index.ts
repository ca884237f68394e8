export { TimerStateError } from './errors.js';
export type { CpuUsage, IntervalJSON, MarkJSON } from './json.js';
export { Mark } from './mark.js';
export { DEFAULT_PERF_TIMER_OPTIONS, type PerfTimerOptions } from './options.js';
export { PerfTimer, type TimerNode, type TimerState } from './perf-timer.js';
export { DEFAULT_SERVER_TIMING_OPTIONS, type ServerTimingOptions } from './server-timing.js';
