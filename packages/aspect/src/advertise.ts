import { check, is, type Rule, resolveOptions } from '@dyno/core';
import { isEmpty } from './internal/entries.js';
import { type Call, invokeFn, runBefore } from './internal/run.js';
import type { JoinPoint } from './join-point.js';
import { type AdvertiseOptions, DEFAULT_ADVERTISE_OPTIONS } from './options.js';
import { AspectRegistry, checkName, declareName, stageOf } from './registry.js';

const PKG = '@dyno/aspect';

// biome-ignore lint/suspicious/noExplicitAny: the widest function type, as `Parameters` needs
type AnyFunction = (...args: any[]) => any;

/**
 * What a synchronous join point returns for a function that returns `R`: `R` itself for a plain
 * value; for a thenable, `R` (no "after" filter) or a promise of its value (after filters ran).
 */
export type Returned<R> = R extends PromiseLike<unknown> ? R | Promise<Awaited<R>> : R;

/**
 * The wrapper `advertise` returns for a synchronous join point (the default): the same parameters, `this` and result as `fn`, and the typed
 * filters of its join point (`before`, `around`, `after`). Its filters must be synchronous,
 * except "after" filters of a call whose `fn` returned a promise.
 */
export type Advertised<F extends AnyFunction> = ((
  this: ThisParameterType<F>,
  ...args: Parameters<F>
) => Returned<ReturnType<F>>) &
  JoinPoint<Parameters<F>, ReturnType<F>, false>;

/**
 * The wrapper `advertise` returns for an asynchronous join point (`async: true`): always a promise of `fn`'s awaited result; any filter may be async.
 */
export type AsyncAdvertised<F extends AnyFunction> = ((
  this: ThisParameterType<F>,
  ...args: Parameters<F>
) => Promise<Awaited<ReturnType<F>>>) &
  JoinPoint<Parameters<F>, ReturnType<F>, true>;

const REGISTRY: Rule = Object.freeze({
  expected: 'an AspectRegistry',
  test: (v: unknown) => (v instanceof AspectRegistry ? undefined : 'type'),
});

/**
 * Makes `fn` a named join point. Every call looks up the pipeline registered under `name` at
 * that moment: its "before" filters turn the arguments into the next arguments, its "around"
 * filters wrap the call of `fn`, and its "after" filters turn the result into the next result.
 * Advertising a name keeps any filters already registered under it. The returned function also
 * carries its join point's typed filters: `render.before(([page]) => [page.trim()])`.
 *
 * A synchronous join point (the default, whatever `fn` is) returns what `fn`
 * returns, so a sync `fn` stays sync: a filter that returns a promise there throws a
 * `FilterResultError` (an "after" filter may, when `fn` itself returned a promise). An
 * asynchronous join point (`async: true`) always returns a promise and awaits every filter.
 */
export function advertise<F extends AnyFunction>(
  name: string,
  fn: F,
  options: AdvertiseOptions & { readonly async: true },
): AsyncAdvertised<F>;
export function advertise<F extends AnyFunction>(
  name: string,
  fn: F,
  options?: AdvertiseOptions,
): Advertised<F>;
export function advertise<F extends AnyFunction>(
  name: string,
  fn: F,
  options?: AdvertiseOptions,
): Advertised<F> | AsyncAdvertised<F> {
  checkName(name);
  check(PKG, 'fn', fn, is.function);
  const o = resolveOptions(
    PKG,
    options,
    { registry: REGISTRY, async: is.boolean },
    DEFAULT_ADVERTISE_OPTIONS,
  );
  const { registry } = o;
  const async = o.async;
  declareName(registry, name);
  const advertised = function (this: unknown, ...args: unknown[]): unknown {
    const stage = stageOf(registry, name);
    // with `new`, `fn` is constructed (no `this` exists before that: filters see `undefined`)
    const newTarget = new.target;
    const thisArg = newTarget === undefined ? this : undefined;
    if (isEmpty(stage)) {
      return async
        ? settle(() => invokeFn(fn, thisArg, args, newTarget))
        : invokeFn(fn, thisArg, args, newTarget);
    }
    const call: Call = {
      fn,
      async,
      befores: stage.before,
      arounds: stage.around,
      afters: stage.after,
      context: { name, thisArg },
      newTarget,
      fnThenable: undefined,
    };
    return async ? settle(() => runBefore(call, 0, args)) : runBefore(call, 0, args);
  };
  Object.defineProperties(advertised, {
    name: { value: fn.name },
    // Express tells an error handler by its four parameters
    length: { value: fn.length },
    joinPoint: { value: name, enumerable: true },
    registry: { value: registry, enumerable: true },
    before: { value: (filter: never) => registry.before(name, filter) },
    around: { value: (filter: never) => registry.around(name, filter) },
    after: { value: (filter: never) => registry.after(name, filter) },
  });
  // so that an instance made through the join point is an instance of it too
  advertised.prototype = fn.prototype;
  return advertised as unknown as Advertised<F>;
}

/** `run()` as a promise: a sync throw becomes a rejection, a promise is returned as it is. */
function settle(run: () => unknown): Promise<unknown> {
  try {
    const result = run();
    return result instanceof Promise ? result : Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}
