import { check, format, is, isThenable, type Rule, resolveOptions } from '@dyno/core';
import { FilterResultError } from './errors.js';
import type { AfterFilter, AfterFilterContext, BeforeFilter, FilterContext } from './filters.js';
import type { Entry } from './internal/entries.js';
import { type AdvertiseOptions, DEFAULT_ADVERTISE_OPTIONS } from './options.js';
import { AspectRegistry, checkName, declareName, stageOf } from './registry.js';

const PKG = '@dyno/aspect';

// biome-ignore lint/suspicious/noExplicitAny: the widest function type, as `Parameters` needs
type AnyFunction = (...args: any[]) => any;

/**
 * The wrapper `advertise` returns: the same parameters and `this`; the same result, or a promise
 * of it once an async filter takes part. A sync function under sync filters stays sync.
 */
export type Advertised<F extends AnyFunction> = (
  this: ThisParameterType<F>,
  ...args: Parameters<F>
) => ReturnType<F> | Promise<Awaited<ReturnType<F>>>;

const REGISTRY: Rule = Object.freeze({
  expected: 'an AspectRegistry',
  test: (v: unknown) => (v instanceof AspectRegistry ? undefined : 'type'),
});

/**
 * Makes `fn` a named join point. Every call looks up the pipeline registered under `name` at
 * that moment: its "before" filters turn the arguments into the next arguments, `fn` runs, and
 * its "after" filters turn the result into the next result. Async filters are awaited; with no
 * async filter and a sync `fn` the call stays synchronous. Advertising a name keeps any filters
 * already registered under it.
 */
export function advertise<F extends AnyFunction>(
  name: string,
  fn: F,
  options?: AdvertiseOptions,
): Advertised<F> {
  checkName(name);
  check(PKG, 'fn', fn, is.function);
  const { registry } = resolveOptions(
    PKG,
    options,
    { registry: REGISTRY },
    DEFAULT_ADVERTISE_OPTIONS,
  );
  declareName(registry, name);
  const advertised = function (this: unknown, ...args: unknown[]): unknown {
    const stage = stageOf(registry, name);
    if (stage.before.length === 0 && stage.after.length === 0) return fn.apply(this, args);
    const call: Call = {
      fn,
      befores: stage.before,
      afters: stage.after,
      context: { name, thisArg: this },
    };
    return runBefore(call, 0, args);
  };
  Object.defineProperty(advertised, 'name', { value: fn.name });
  return advertised as Advertised<F>;
}

/** A call through a non-empty pipeline: what its filters and `fn` need, made once per call. */
interface Call {
  readonly fn: AnyFunction;
  readonly befores: readonly Entry<BeforeFilter>[];
  readonly afters: readonly Entry<AfterFilter>[];
  readonly context: FilterContext;
}

function runBefore(call: Call, from: number, args: unknown[]): unknown {
  const { befores, context } = call;
  for (let i = from; i < befores.length; i++) {
    const next = (befores[i] as Entry<BeforeFilter>).filter(args, context);
    if (isThenable(next)) {
      return Promise.resolve(next).then((value) => runBefore(call, i + 1, checked(call, i, value)));
    }
    args = checked(call, i, next);
  }
  const result = call.fn.apply(context.thisArg, args);
  if (call.afters.length === 0) return result;
  const afterContext: AfterFilterContext = { name: context.name, thisArg: context.thisArg, args };
  if (isThenable(result)) {
    return Promise.resolve(result).then((value) => runAfter(call, afterContext, 0, value));
  }
  return runAfter(call, afterContext, 0, result);
}

function runAfter(call: Call, context: AfterFilterContext, from: number, result: unknown): unknown {
  const { afters } = call;
  for (let i = from; i < afters.length; i++) {
    const next = (afters[i] as Entry<AfterFilter>).filter(result, context);
    if (isThenable(next)) {
      return Promise.resolve(next).then((value) => runAfter(call, context, i + 1, value));
    }
    result = next;
  }
  return result;
}

function checked(call: Call, index: number, value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const { name } = call.context;
  throw new FilterResultError(
    `${PKG}: before filter ${index + 1} of "${name}" must return an array of arguments ` +
      `(or a promise of one); received ${format(value)}`,
    name,
    value,
  );
}
