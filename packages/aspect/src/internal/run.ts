import { format, isThenable } from '@dyno/core';
import { FilterResultError } from '../errors.js';
import type {
  AfterFilter,
  AfterFilterContext,
  AroundFilter,
  BeforeFilter,
  FilterContext,
} from '../filters.js';
import type { Entry } from './entries.js';

const PKG = '@dyno/aspect';

// biome-ignore lint/suspicious/noExplicitAny: the widest function type
type AnyFunction = (...args: any[]) => any;

/** A call through a non-empty pipeline: what its filters and `fn` need, made once per call. */
export interface Call {
  readonly fn: AnyFunction;
  /** An asynchronous join point: any filter may return a promise. */
  readonly async: boolean;
  readonly befores: readonly Entry<BeforeFilter>[];
  readonly arounds: readonly Entry<AroundFilter>[];
  readonly afters: readonly Entry<AfterFilter>[];
  readonly context: FilterContext;
  /** `new.target` of a call made with `new`: `fn` is constructed, not called. */
  readonly newTarget: Function | undefined;
  /** Set when `fn` ran: whether it returned a thenable, once at least (so filters after it may await). */
  fnThenable: boolean | undefined;
}

/** Runs the "before" filters from `from`, then the "around" chain with `fn`, then the "after". */
export function runBefore(call: Call, from: number, args: unknown[]): unknown {
  const { befores, context } = call;
  for (let i = from; i < befores.length; i++) {
    const next = (befores[i] as Entry<BeforeFilter>).filter(args, context);
    if (isThenable(next)) {
      if (!call.async) throw notSync(call, `before filter ${i + 1}`, next);
      return Promise.resolve(next).then((value) =>
        runBefore(call, i + 1, checked(call, `before filter ${i + 1}`, value)),
      );
    }
    args = checked(call, `before filter ${i + 1}`, next);
  }
  const result = runAround(call, 0, args);
  // an "around" filter made a sync call async (if `fn` did not run, its result is trusted)
  if (!call.async && call.fnThenable === false && isThenable(result)) {
    throw notSync(call, 'around filter 1', result);
  }
  if (call.afters.length === 0) return result;
  const afterContext: AfterFilterContext = { name: context.name, thisArg: context.thisArg, args };
  if (isThenable(result)) {
    return Promise.resolve(result).then((value) => runAfter(call, afterContext, 0, value, true));
  }
  return runAfter(call, afterContext, 0, result, call.async);
}

function runAround(call: Call, index: number, args: unknown[]): unknown {
  const { arounds, context } = call;
  if (index === arounds.length) {
    const result = invokeFn(call.fn, context.thisArg, args, call.newTarget);
    // an "around" filter may proceed more than once: once `fn` returned a thenable in this
    // call, returning it is no promise of the filter's making
    call.fnThenable = call.fnThenable === true || isThenable(result);
    return result;
  }
  const label = `around filter ${index + 1}`;
  const proceed = (next: unknown) => runAround(call, index + 1, checked(call, label, next));
  return (arounds[index] as Entry<AroundFilter>).filter(proceed, args, context);
}

/** Runs the "after" filters from `from`; `mayAwait` once the call returns a promise anyway. */
function runAfter(
  call: Call,
  context: AfterFilterContext,
  from: number,
  result: unknown,
  mayAwait: boolean,
): unknown {
  const { afters } = call;
  for (let i = from; i < afters.length; i++) {
    const next = (afters[i] as Entry<AfterFilter>).filter(result, context);
    if (isThenable(next)) {
      if (!mayAwait) throw notSync(call, `after filter ${i + 1}`, next);
      return Promise.resolve(next).then((value) => runAfter(call, context, i + 1, value, true));
    }
    result = next;
  }
  return result;
}

function checked(call: Call, filter: string, value: unknown): unknown[] {
  if (isArray(value)) return value;
  const { name } = call.context;
  const what = filter.startsWith('around')
    ? 'must call proceed with an array of arguments'
    : 'must return an array of arguments (or a promise of one)';
  throw new FilterResultError(
    `${PKG}: ${filter} of "${name}" ${what}; received ${format(value)}`,
    name,
    value,
  );
}

// `Array.isArray` throws for a revoked proxy: such a value is no array of arguments, and is
// refused with a `FilterResultError` as any other.
function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** A promise from a filter of a synchronous call: the call cannot wait for it without lying. */
function notSync(call: Call, filter: string, value: PromiseLike<unknown>): Error {
  // the promise is dropped: handle its rejection so that it is not reported as unhandled
  if (value instanceof Promise) value.catch(() => undefined);
  const { name } = call.context;
  return new FilterResultError(
    `${PKG}: ${filter} of "${name}" returned a promise, but "${name}" is a synchronous join ` +
      'point; make the filter synchronous, or advertise the function with `async: true`',
    name,
    value,
  );
}

/**
 * Calls `fn`, or constructs it for a call made with `new` (a class cannot be called plainly, and
 * a constructor function's instance must be its own).
 */
export function invokeFn(
  fn: AnyFunction,
  thisArg: unknown,
  args: unknown[],
  newTarget: Function | undefined,
): unknown {
  return newTarget === undefined ? fn.apply(thisArg, args) : Reflect.construct(fn, args, newTarget);
}
