/**
 * Anything with an `error` method: `console`, a pino logger, a winston logger, or your own.
 */
export interface HarnessLogger {
  error(...args: never[]): unknown;
}

/**
 * How the logger takes its arguments. `'object-first'` is pino's (and bunyan's) `error({ err },
 * message)`; `'message-first'` is console's and winston's `error(message, error)`.
 */
export type LoggerStyle = 'auto' | 'object-first' | 'message-first';
