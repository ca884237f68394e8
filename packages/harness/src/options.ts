import { defaultErrorCounts, type ErrorCounts } from './error-counts.js';
import type { HarnessErrorEvent } from './events.js';
import type { HarnessLogger, LoggerStyle } from './logger.js';

/** Options of `harness`. */
export interface HarnessOptions {
  /**
   * The name logged with every error, counted under and passed to `onError`.
   * @default the function's `name`, or `harness#n` for an anonymous function
   */
  readonly name?: string | undefined;
  /**
   * Where errors are logged: any object with an `error` method (console, pino, winston).
   * @default console
   */
  readonly logger?: HarnessLogger | undefined;
  /**
   * How `logger.error` takes its arguments; `'auto'` recognises pino and bunyan as
   * `'object-first'` and treats everything else as `'message-first'`.
   * @default 'auto'
   */
  readonly loggerStyle?: LoggerStyle | undefined;
  /**
   * The message logged, or a function making it from the event.
   * @default `${name} failed`
   */
  readonly message?: string | ((event: HarnessErrorEvent) => string) | undefined;
  /** Called for every error, logged or not, before it is rethrown. */
  readonly onError?: ((event: HarnessErrorEvent) => void) | undefined;
  /**
   * The share of errors logged, from 0 to 1, for hot paths that fail often. Counting and
   * `onError` see every error.
   * @default 1
   */
  readonly sample?: number | undefined;
  /**
   * The source of randomness for sampling, returning numbers in [0, 1).
   * @default Math.random
   */
  readonly random?: (() => number) | undefined;
  /**
   * Where errors are counted per name.
   * @default defaultErrorCounts
   */
  readonly counts?: ErrorCounts | undefined;
}

/** The defaults of `HarnessOptions` (`name` and `message` default from the function's name). */
export const DEFAULT_HARNESS_OPTIONS: Readonly<{
  logger: HarnessLogger;
  loggerStyle: LoggerStyle;
  sample: number;
  random: () => number;
  counts: ErrorCounts;
}> = Object.freeze({
  logger: console as HarnessLogger,
  loggerStyle: 'auto' as LoggerStyle,
  sample: 1,
  random: Math.random,
  counts: defaultErrorCounts,
});
