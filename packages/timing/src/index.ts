export { TimerStateError } from './errors.js';
export type { CpuUsage, IntervalJSON, MarkJSON } from './json.js';
export { DEFAULT_PERF_TIMER_OPTIONS, type NowSource, type PerfTimerOptions } from './options.js';
export {
  type ExportSpansOptions,
  exportSpans,
  type HrTime,
  type SpanContextLike,
  type SpanLike,
  type TracerLike,
} from './otel-spans.js';
export { Mark, PerfTimer, type TimerNode, type TimerState } from './perf-timer.js';
export { currentTimer, timed, withTimer } from './request-scope.js';
export { DEFAULT_SERVER_TIMING_OPTIONS, type ServerTimingOptions } from './server-timing.js';
