import {
  abortReason,
  defaultName,
  format,
  is,
  NEVER_ABORTED,
  resolveOptions,
  validate,
} from '@dyno/core';
import type { Declaration, DependencySpec, Deps } from './declaration.js';
import type { Normalised } from './internal/build.js';
import { buildAll, type Plan } from './internal/call.js';
import { Memo } from './internal/memo.js';
import { DEFAULT_INJECT_OPTIONS, type InjectOptions } from './options.js';

const PKG = '@dyno/injection';
const OPTION_RULES = { name: is.string, once: is.boolean, clock: is.clock };
const CALL_RULES = { deps: is.object, signal: is.signal };
const SPEC_RULES = {
  make: is.function,
  fallback: is.any,
  timeout: is.either(is.duration(0, true), is.oneOf(false)),
  once: is.boolean,
  dispose: is.function,
};

/** What one call of an injected function may say besides its arguments. */
export interface InjectCall<D> {
  /** Values to use instead of building them: those dependencies are not constructed at all. */
  readonly deps?: Partial<D>;
  /** Cancels the call: it rejects at once with the reason, and per-call builds see the abort. */
  readonly signal?: AbortSignal;
}

/** The function `inject` returns. */
export interface Injected<D extends Declaration, A extends unknown[], R> {
  /** Builds every dependency in parallel and calls `fn(deps, ...args)`. */
  (...args: A): Promise<Awaited<R>>;
  /** As a plain call, with caller-supplied dependencies and a signal. */
  run(call: InjectCall<Deps<D>>, ...args: A): Promise<Awaited<R>>;
  /** Forgets the once-only value of `name` (or of every dependency), so it is built again. */
  reset(name?: keyof D & string): void;
  /** The declared dependency names, in declaration order. */
  readonly dependencies: readonly (keyof D & string)[];
}

/**
 * Declares `fn`'s dependencies at its definition. Each call of the returned function builds the
 * dependencies the caller did not supply, all in parallel, then calls `fn(deps, ...args)`. A
 * dependency that fails or times out takes its `fallback`; without one the call rejects at once
 * with a `DependencyError` naming it, aborts the builds still running, and hands every value
 * built for it to its dependency's `dispose`.
 */
export function inject<const D extends Declaration, A extends unknown[], R>(
  declaration: D,
  fn: (deps: Deps<D>, ...args: A) => R,
  options?: InjectOptions,
): Injected<D, A, R> {
  const o = resolveOptions(PKG, options, OPTION_RULES, { ...DEFAULT_INJECT_OPTIONS, name: '' });
  if (typeof fn !== 'function') {
    throw new TypeError(`${PKG}: \`fn\` must be a function; received ${format(fn)}`);
  }
  const deps = normalise(declaration, o.once);
  const name = o.name === '' ? defaultName('inject') : o.name;
  const memos = deps.map((d) => (d.once ? new Memo(`${name}.${d.name}`) : undefined));
  const names = new Set(deps.map((d) => d.name));
  const plan: Plan = { deps, memos, clock: o.clock, name };

  const call = (supplied: object | undefined, signal: AbortSignal | undefined, args: A) => {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (supplied !== undefined) {
      for (const key of Object.keys(supplied)) {
        if (!names.has(key)) {
          const known = [...names].join(', ');
          return Promise.reject(
            new TypeError(`${PKG}: unknown dependency \`${key}\` supplied (known: ${known})`),
          );
        }
      }
    }
    return buildAll(plan, supplied as Record<string, unknown> | undefined, signal, (values) =>
      fn(values as Deps<D>, ...args),
    ) as Promise<Awaited<R>>;
  };

  const injected = ((...args: A) => call(undefined, undefined, args)) as Injected<D, A, R>;
  Object.defineProperties(injected, {
    run: {
      value: (c: InjectCall<Deps<D>>, ...args: A) => {
        const given = validate<InjectCall<object>>(PKG, c, CALL_RULES);
        return call(given.deps, given.signal, args);
      },
    },
    reset: {
      value: (dep?: string) => {
        if (dep !== undefined && !names.has(dep)) throw unknownReset(dep, names);
        deps.forEach((d, i) => {
          if (dep === undefined || d.name === dep) memos[i]?.reset();
        });
      },
    },
    dependencies: { value: Object.freeze(deps.map((d) => d.name)), enumerable: true },
  });
  return injected;
}

function normalise(declaration: unknown, once: boolean): Normalised[] {
  if (typeof declaration !== 'object' || declaration === null || Array.isArray(declaration)) {
    throw new TypeError(
      `${PKG}: the declaration must be an object of dependencies; received ${format(declaration)}`,
    );
  }
  return Object.keys(declaration).map((name) => {
    const entry = (declaration as Record<string, unknown>)[name];
    if (name === '__proto__') {
      throw new TypeError(`${PKG}: \`__proto__\` cannot name a dependency`);
    }
    const idleContext = Object.freeze({ name, signal: NEVER_ABORTED });
    if (typeof entry === 'function') {
      const make = entry as Normalised['make'];
      return {
        name,
        make,
        hasFallback: false,
        fallback: undefined,
        timeout: undefined,
        once,
        dispose: undefined,
        idleContext,
      };
    }
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof (entry as { make?: unknown }).make !== 'function'
    ) {
      throw new TypeError(
        `${PKG}: dependency \`${name}\` must be a function or an object with a \`make\` function; received ${format(entry)}`,
      );
    }
    const spec = validate<DependencySpec<unknown>>(PKG, entry, SPEC_RULES, `${name}.`);
    return {
      name,
      make: spec.make as Normalised['make'],
      hasFallback: Object.hasOwn(spec, 'fallback'),
      fallback: spec.fallback,
      timeout: spec.timeout === false ? undefined : spec.timeout,
      once: spec.once ?? once,
      dispose: spec.dispose as Normalised['dispose'],
      idleContext,
    };
  });
}

/** `reset('typo')` would silently forget nothing: name the declared dependencies instead. */
function unknownReset(dep: unknown, names: ReadonlySet<string>): Error {
  const known = [...names].map((n) => JSON.stringify(n)).join(', ');
  const message = `${PKG}: \`reset(name)\` must name a declared dependency (${known}) or be left out; received ${format(dep)}`;
  return typeof dep === 'string' ? new RangeError(message) : new TypeError(message);
}
