import type { HarnessLogger, LoggerStyle } from '../logger.js';

/** Returns what `logger.error` returned: an async logger's promise is watched for rejection. */
type Write = (message: string, error: unknown, name: string) => unknown;

/** Picks, once per harness, how to hand a message and an error to `logger`. */
export function writer(logger: HarnessLogger, style: LoggerStyle): Write {
  const error = logger.error as (...args: unknown[]) => unknown;
  if (style === 'object-first' || (style === 'auto' && isObjectFirst(logger))) {
    // pino's error serializer reads the `err` key; `harness` avoids pino's own `name` field
    return (message, thrown, name) => error.call(logger, { err: thrown, harness: name }, message);
  }
  // winston merges an Error's message and stack into the entry, and console prints them; a
  // value that is not an Error goes in an object so that winston keeps it (it drops bare strings)
  return (message, thrown) => error.call(logger, message, isError(thrown) ? thrown : { thrown });
}

// `instanceof` asks a proxy for its prototype, which a revoked one refuses: such a thrown value
// is logged as any other non-`Error`, rather than losing the log line.
function isError(value: unknown): boolean {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** pino loggers have `bindings()`, bunyan loggers a `fields` object; both have `child()`. */
function isObjectFirst(logger: object): boolean {
  const l = logger as { child?: unknown; bindings?: unknown; fields?: unknown };
  if (typeof l.child !== 'function') return false;
  return typeof l.bindings === 'function' || (typeof l.fields === 'object' && l.fields !== null);
}
