import type { Awaitable, Disposable } from '@dyno/core';
import type { AfterFilterContext, FilterContext } from './filters.js';
import type { AspectRegistry } from './registry.js';

/** What an "after" filter of a join point returns: a promise only where the call may await. */
export type AfterResult<R, Async extends boolean> = Async extends true
  ? Awaitable<Awaited<R>>
  : R extends PromiseLike<unknown>
    ? Awaitable<Awaited<R>>
    : R;

/** What `proceed`, and so an "around" filter, returns at a join point. */
export type AroundResult<R, Async extends boolean> = Async extends true ? Awaitable<Awaited<R>> : R;

/**
 * The typed filters of one join point, on the function `advertise` returns: each adds a filter
 * under the join point's name in its registry, typed from the advertised function (its
 * arguments `A` and result `R`), and returns a `Disposable` that removes it. A synchronous join
 * point takes only synchronous "before" and "around" filters (and "after" filters returning a
 * promise only when `fn` does); an asynchronous one (`Async`) takes any.
 */
export interface JoinPoint<A extends readonly unknown[], R, Async extends boolean> {
  /** The join point's name, as given to `advertise`. */
  readonly joinPoint: string;
  /** The registry its filters go to. */
  readonly registry: AspectRegistry;
  /** Adds a "before" filter: the arguments in, the next arguments out. */
  before(
    filter: (args: A, context: FilterContext) => Async extends true ? Awaitable<A> : A,
  ): Disposable;
  /** Adds an "around" filter: `proceed(args)` runs the rest of the call. */
  around(
    filter: (
      proceed: (args: A) => AroundResult<R, Async>,
      args: A,
      context: FilterContext,
    ) => AroundResult<R, Async>,
  ): Disposable;
  /** Adds an "after" filter: the (awaited) result in, the next result out. */
  after(
    filter: (result: Awaited<R>, context: AfterFilterContext<A>) => AfterResult<R, Async>,
  ): Disposable;
}
