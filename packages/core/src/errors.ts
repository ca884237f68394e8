/**
 * The marker every Dyno error carries. `Symbol.for` makes it the same symbol in every copy of
 * `@dyno/core` loaded in a process, so `DynoError.isInstance` works across two installed copies.
 */
export const DYNO_ERROR: unique symbol = Symbol.for('@dyno/core/DynoError') as never;

/** Options accepted by every `DynoError` constructor. */
export interface DynoErrorOptions {
  /** The name of the policy instance that raised the error (for example a breaker's `name`). */
  readonly source?: string | undefined;
  /** The error that led to this one, kept as the standard `cause`. */
  readonly cause?: unknown;
}

/** The fields every Dyno error has, whichever built-in class it extends. */
export interface DynoErrorLike {
  readonly [DYNO_ERROR]: true;
  readonly code: string;
  readonly source: string | undefined;
  readonly message: string;
  readonly cause?: unknown;
}

/**
 * Marks an error object as a Dyno error. For errors that must extend another built-in class
 * (`CompoundError` extends `AggregateError`) and so cannot extend `DynoError`.
 */
export function markDynoError<E extends Error>(
  error: E,
  code: string,
  source: string | undefined,
): E & DynoErrorLike {
  Object.defineProperty(error, DYNO_ERROR, { value: true });
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  Object.defineProperty(error, 'source', { value: source, enumerable: true });
  return error as E & DynoErrorLike;
}

// The marker is declared on an interface merged with the class: a class body cannot name a
// computed property in a declaration emitted file by file (`isolatedDeclarations`).
export interface DynoError {
  readonly [DYNO_ERROR]: true;
}

/**
 * The base of every error Dyno raises. `code` is stable (`DYNO_BROKEN`, `DYNO_TIMEOUT`, ...),
 * `source` names the instance that raised it, and `name` stays the class name.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the marker is set on the prototype
export class DynoError extends Error {
  /** A stable machine-readable code, such as `DYNO_BROKEN`. */
  readonly code: string;
  /** The `name` of the policy instance that raised the error, if it has one. */
  readonly source: string | undefined;

  constructor(code: string, message: string, options: DynoErrorOptions = {}) {
    super(message);
    // plain fields, and the marker on the prototype: a rejection on a hot path (an open
    // circuit, a full pool) must not pay for property definitions. `cause` too is a plain
    // field, like `code`: given to `Error`'s constructor it is defined, which costs a fifth of
    // the whole refusal of an open circuit (decision 99)
    this.name = new.target.name;
    this.code = code;
    this.source = options.source;
    if ('cause' in options) this.cause = options.cause;
  }

  /** True for any error raised by any loaded copy of any Dyno package. */
  static isInstance(value: unknown): value is DynoErrorLike {
    if (typeof value !== 'object' || value === null) return false;
    // a revoked proxy, or a getter that throws, is no Dyno error; answering must never throw,
    // since policies ask this of whatever their dependency threw
    try {
      return (value as { [DYNO_ERROR]?: unknown })[DYNO_ERROR] === true;
    } catch {
      return false;
    }
  }

  /**
   * `x instanceof DynoError` agrees with `DynoError.isInstance(x)`, so errors from another copy
   * of the package and `CompoundError` (an `AggregateError`) count. Subclasses keep the ordinary
   * prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === DynoError) return DynoError.isInstance(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** True when `value` is a Dyno error with the given code, from any loaded copy of Dyno. */
export function hasCode(value: unknown, code: string): value is DynoErrorLike {
  if (!DynoError.isInstance(value)) return false;
  try {
    return value.code === code;
  } catch {
    return false; // a marked value whose `code` getter throws
  }
}

Object.defineProperty(DynoError.prototype, DYNO_ERROR, { value: true });

/** Raised when a disposed object is used again. */
export class DisposedError extends DynoError {
  constructor(what: string, source?: string) {
    super('DYNO_DISPOSED', `${what} has been disposed`, { source });
  }

  static override isInstance(value: unknown): value is DisposedError {
    return hasCode(value, 'DYNO_DISPOSED');
  }
}
