import type { Awaitable } from '@dyno/core';

/** What every filter of a join point receives besides the value it transforms. */
export interface FilterContext {
  /** The join point's name, as given to `advertise`. */
  readonly name: string;
  /** The `this` the advertised wrapper was called with. */
  readonly thisArg: unknown;
}

/** What an "after" filter receives: the context plus the arguments `fn` was called with. */
export interface AfterFilterContext<A extends readonly unknown[] = unknown[]>
  extends FilterContext {
  /** The arguments after every "before" filter ran, as `fn` received them. */
  readonly args: A;
}

/**
 * Runs before the advertised function: receives its arguments and returns the arguments for the
 * next filter (and finally for `fn`), or a promise of them.
 */
export type BeforeFilter<A extends readonly unknown[] = unknown[]> = (
  args: A,
  context: FilterContext,
) => Awaitable<A>;

/**
 * Runs after the advertised function: receives its result (awaited when `fn` returned a
 * promise) and returns the result for the next filter (and finally for the caller).
 */
export type AfterFilter<R = unknown, A extends readonly unknown[] = unknown[]> = (
  result: R,
  context: AfterFilterContext<A>,
) => Awaitable<R>;

/**
 * Runs around the advertised function, after the "before" filters and before the "after" ones:
 * receives `proceed` (which runs the next "around" filter, and finally `fn`, with the arguments
 * it is given) and the arguments, and returns the result. It may call `proceed` with other
 * arguments, change its result, or not call it at all (a cache). The first registered is the
 * outermost.
 */
export type AroundFilter<A extends readonly unknown[] = unknown[], R = unknown> = (
  proceed: (args: A) => R,
  args: A,
  context: FilterContext,
) => R;

/** The filters registered under one name at one moment, in the order they run. */
export interface Pipeline {
  readonly before: readonly BeforeFilter[];
  readonly around: readonly AroundFilter[];
  readonly after: readonly AfterFilter[];
}
