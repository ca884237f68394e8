import { DynoError, describeFailure, hasCode } from '@dyno/core';

/** One dependency that could not be built, and why. */
export interface DependencyFailure {
  /** The dependency's name in the declaration. */
  readonly name: string;
  /** What its `make` threw or rejected with (kept as is), or a `DependencyTimeoutError`. */
  readonly error: unknown;
}

/** Raised (as the dependency's failure, and as its signal's reason) when `make` runs too long. */
export class DependencyTimeoutError extends DynoError {
  /** The dependency's name. */
  readonly dependency: string;
  /** The timeout that passed, in ms. */
  readonly timeout: number;

  constructor(dependency: string, timeout: number, source?: string) {
    super('DYNO_TIMEOUT', `Dependency "${dependency}" took longer than ${timeout} ms to build`, {
      source,
    });
    this.dependency = dependency;
    this.timeout = timeout;
  }

  static override isInstance(value: unknown): value is DependencyTimeoutError {
    return (
      hasCode(value, 'DYNO_TIMEOUT') &&
      typeof (value as { dependency?: unknown }).dependency === 'string'
    );
  }
}

/**
 * A once-only dependency was asked for while its own `make` was still running (before or after
 * an `await`): its `make` calls, directly or through other injected functions, the function that
 * needs it. Such a build could only wait for itself, or start itself again without end.
 */
export class CircularDependencyError extends DynoError {
  /** The dependency's name. */
  readonly dependency: string;
  /**
   * The builds of the cycle as `<injected function>.<dependency>`, the first and the last the
   * same (`a.x → b.y → a.x`), when known (a cycle met after an `await`).
   */
  readonly cycle: readonly string[] | undefined;

  constructor(dependency: string, source?: string, cycle?: readonly string[]) {
    const path = cycle === undefined ? '' : `: ${cycle.join(' → ')}`;
    super(
      'DYNO_CIRCULAR_DEPENDENCY',
      `Dependency "${dependency}" was asked for its own value while building it (a dependency cycle${path})`,
      { source },
    );
    this.dependency = dependency;
    this.cycle = cycle === undefined ? undefined : Object.freeze(cycle.slice());
  }

  static override isInstance(value: unknown): value is CircularDependencyError {
    return hasCode(value, 'DYNO_CIRCULAR_DEPENDENCY');
  }
}

/**
 * A call failed because a dependency without a fallback could not be built. `inject` fails fast,
 * so `failures` holds that first dependency with its own error; the class accepts several (in
 * declaration order) for callers that gather them. `errors` lists the errors as an
 * `AggregateError` would, and `cause` is the first of them.
 */
export class DependencyError extends DynoError {
  /** Every dependency that failed, in declaration order. */
  readonly failures: readonly DependencyFailure[];

  constructor(failures: readonly DependencyFailure[], source?: string) {
    const list = failures.map((f) => `"${f.name}" (${describeFailure(f.error)})`).join(', ');
    const count = failures.length === 1 ? '1 dependency' : `${failures.length} dependencies`;
    super('DYNO_DEPENDENCY_FAILED', `Could not build ${count}: ${list}`, {
      source,
      cause: failures[0]?.error,
    });
    this.failures = Object.freeze(failures.slice());
  }

  /** The errors of the failed dependencies, in declaration order. */
  get errors(): readonly unknown[] {
    return this.failures.map((f) => f.error);
  }

  /** The names of the failed dependencies, in declaration order. */
  get names(): readonly string[] {
    return this.failures.map((f) => f.name);
  }

  static override isInstance(value: unknown): value is DependencyError {
    return hasCode(value, 'DYNO_DEPENDENCY_FAILED');
  }
}
