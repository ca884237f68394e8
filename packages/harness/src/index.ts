export { defaultErrorCounts, ErrorCounts } from './error-counts.js';
export type { HarnessErrorEvent } from './events.js';
export { harness } from './harness.js';
export type { HarnessLogger, LoggerStyle } from './logger.js';
export { DEFAULT_HARNESS_OPTIONS, type HarnessOptions } from './options.js';
