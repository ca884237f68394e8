import { isThenable } from './invoke.js';

/** The longest duration a timer accepts: 2^31-1 ms (about 24.8 days). */
export const MAX_DURATION: number = 2 ** 31 - 1;

/**
 * One option's rule. `test` answers `'type'` when the value is of the wrong kind, `'range'` when
 * it is of the right kind but out of range, and `undefined` when it is accepted.
 */
export interface Rule {
  /** What the rule accepts, as it reads in an error message ("an integer from 1 to 10"). */
  readonly expected: string;
  test(value: unknown): 'type' | 'range' | undefined;
}

/** A rule per option key; `validate` rejects keys that have no rule. */
export type Rules<T> = { readonly [K in keyof T]-?: Rule };

const rule = (expected: string, test: Rule['test']): Rule => Object.freeze({ expected, test });

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** The rules for the option kinds Dyno uses (see `is`). */
export interface OptionKinds {
  /** An integer from `min` to `max` inclusive. */
  integer(min?: number, max?: number): Rule;
  /** A finite number from `min` to `max`; `exclusiveMin` rejects `min` itself. */
  number(min: number, max: number, exclusiveMin?: boolean): Rule;
  /** A duration in milliseconds: finite, from `min` (default 0) to 2^31-1. */
  duration(min?: number, exclusiveMin?: boolean): Rule;
  /** A ratio from 0 to 1 inclusive. */
  ratio(): Rule;
  /** A function. */
  readonly function: Rule;
  /** `true` or `false`. */
  readonly boolean: Rule;
  /** A non-empty string. */
  readonly string: Rule;
  /** An `AbortSignal`. */
  readonly signal: Rule;
  /** A `Clock`: an object with `now`, `setTimeout` and `clearTimeout` functions. */
  readonly clock: Rule;
  /**
   * Exactly one of `values`. A value of a kind none of them has (`"5"` where `false` or `Infinity`
   * is allowed) is of the wrong kind; one of the right kind but not listed is out of range.
   */
  oneOf(...values: readonly unknown[]): Rule;
  /** An object (not null, not an array); its fields are checked elsewhere. */
  readonly object: Rule;
  /** Accepted when any of `rules` accepts. */
  either(...rules: readonly Rule[]): Rule;
  /** Any value at all (for options whose shape the package checks itself). */
  readonly any: Rule;
}

/** Rules for the option kinds Dyno uses. */
export const is: Readonly<OptionKinds> = Object.freeze({
  integer(min: number = 0, max: number = Number.MAX_SAFE_INTEGER): Rule {
    return rule(`an integer from ${min} to ${max}`, (v) => {
      if (!isNumber(v)) return 'type';
      return Number.isInteger(v) && v >= min && v <= max ? undefined : 'range';
    });
  },
  number(min: number, max: number, exclusiveMin: boolean = false): Rule {
    const low = exclusiveMin ? `greater than ${min}` : `from ${min}`;
    return rule(`a finite number ${low} to ${max}`, (v) => {
      if (!isNumber(v)) return 'type';
      if (!Number.isFinite(v)) return 'range';
      return (exclusiveMin ? v > min : v >= min) && v <= max ? undefined : 'range';
    });
  },
  duration(min: number = 0, exclusiveMin: boolean = false): Rule {
    const low = exclusiveMin ? `greater than ${min}` : `from ${min}`;
    return rule(`a duration in ms ${low} to ${MAX_DURATION}`, (v) => {
      if (!isNumber(v)) return 'type';
      if (!Number.isFinite(v)) return 'range';
      return (exclusiveMin ? v > min : v >= min) && v <= MAX_DURATION ? undefined : 'range';
    });
  },
  ratio(): Rule {
    return rule('a ratio from 0 to 1', (v) => {
      if (!isNumber(v)) return 'type';
      return v >= 0 && v <= 1 ? undefined : 'range';
    });
  },
  function: rule('a function', (v) => (typeof v === 'function' ? undefined : 'type')),
  boolean: rule('a boolean', (v) => (typeof v === 'boolean' ? undefined : 'type')),
  string: rule('a non-empty string', (v) => {
    if (typeof v !== 'string') return 'type';
    return v.length > 0 ? undefined : 'range';
  }),
  signal: rule('an AbortSignal', (v) => (v instanceof AbortSignal ? undefined : 'type')),
  clock: rule('a Clock (now, setTimeout, clearTimeout)', (v) => {
    if (typeof v !== 'object' || v === null) return 'type';
    const c = v as Record<string, unknown>;
    const ok = ['now', 'setTimeout', 'clearTimeout'].every((k) => typeof c[k] === 'function');
    return ok ? undefined : 'type';
  }),
  oneOf(...values: readonly unknown[]): Rule {
    const shown = values.map(format).join(', ');
    const kinds = new Set(values.map(kindOf));
    return rule(`one of ${shown}`, (v) => {
      if (values.includes(v)) return undefined;
      return kinds.has(kindOf(v)) ? 'range' : 'type';
    });
  },
  object: rule('an object', (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'type',
  ),
  either(...rules: readonly Rule[]): Rule {
    return rule(rules.map((r) => r.expected).join(' or '), (v) => {
      let verdict: 'type' | 'range' = 'type';
      for (const r of rules) {
        const result = r.test(v);
        if (result === undefined) return undefined;
        if (result === 'range') verdict = 'range';
      }
      return verdict;
    });
  },
  any: rule('any value', () => undefined),
});

const kindOf = (value: unknown): string => (value === null ? 'null' : typeof value);

/** Shows a received value in an error message. Never throws. */
export function format(value: unknown): string {
  switch (typeof value) {
    case 'string':
      try {
        return JSON.stringify(value);
      } catch {
        return `a string of ${value.length} characters`; // quoted, past the engine's length limit
      }
    case 'bigint':
      return `${value}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      return isArray(value) ? 'an array' : 'an object';
    case 'number':
      // `String(-0)` is "0": "`attempts` must be from 1; received 0" would name another mistake
      return Object.is(value, -0) ? '-0' : String(value);
    default:
      // booleans and undefined read well as they are
      return String(value);
  }
}

/**
 * Names a failure in an error message: `Name: message` for an `Error`, `thrown <value>` (as
 * `format` shows it) for anything else. Never throws: a `name` or `message` may be a getter that
 * throws or a symbol, and `instanceof` throws for a revoked proxy; such a failure is described as
 * any other thrown value, so the error that names it can still be made.
 */
export function describeFailure(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
  } catch {
    // described as any other thrown value below
  }
  return `thrown ${format(error)}`;
}

// `Array.isArray` throws for a revoked proxy
function isArray(value: object): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** Throws the `TypeError` or `RangeError` for one option, or returns when `rule` accepts it. */
export function check(pkg: string, option: string, value: unknown, rule: Rule): void {
  const verdict = rule.test(value);
  if (verdict === undefined) return;
  const message = `${pkg}: option \`${option}\` must be ${rule.expected}; received ${format(value)}`;
  throw verdict === 'type' ? new TypeError(message) : new RangeError(message);
}

/**
 * Throws a `TypeError` naming the argument when `value` is not a function:
 * `` @dyno/pool: `fn` must be a function; received 42 ``.
 */
export function checkFunction(pkg: string, what: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${pkg}: \`${what}\` must be a function; received ${format(value)}`);
  }
}

/**
 * Throws a `TypeError` naming the argument when a call's `options` are given but are not an
 * object (`null` and arrays included): `@dyno/pool: options must be an object; received 5`, as
 * `validate` says it. An `AbortSignal` given as the options themselves is refused too: read as
 * options it has no `signal`, so the call would silently not be cancellable. `undefined` is
 * accepted. A promise-returning method turns the throw into its rejection.
 */
export function checkOptions(pkg: string, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || isArray(options)) {
    throw new TypeError(`${pkg}: options must be an object; received ${format(options)}`);
  }
  if (options instanceof AbortSignal) {
    throw new TypeError(
      `${pkg}: options must be an object; received an AbortSignal (pass it as \`{ signal }\`)`,
    );
  }
}

/**
 * The answer of a user's predicate (`isFailure`, `isRetryable`, `fallbackOn`, ...), passed
 * through when it is not a thenable. A thenable, what an `async` predicate returns, throws a
 * `TypeError` naming the predicate: a policy decides at once, and a promise would read as "yes"
 * (or, where only `true` counts, as "no") whatever it settles with. Its later rejection is
 * handled here, so it is never reported as unhandled.
 */
export function checkAnswer<T>(pkg: string, predicate: string, answer: T): T {
  if (typeof answer === 'boolean' || !isThenable(answer)) return answer;
  try {
    answer.then(undefined, () => {});
  } catch {
    // a thenable whose `then` throws: nothing is pending
  }
  throw new TypeError(
    `${pkg}: \`${predicate}\` must return a boolean; it returned a promise (an async predicate cannot decide in time)`,
  );
}

/** Checks a duration in ms (finite, 0 to 2^31-1). */
export function checkDuration(pkg: string, option: string, value: unknown): void {
  check(pkg, option, value, DURATION);
}
const DURATION = is.duration();

/**
 * Validates an options object: `undefined` or a plain object whose every key has a rule and whose
 * every defined value passes it. Throws `TypeError` for a wrong kind or an unknown key and
 * `RangeError` for a value out of range; `prefix` names a nested object (`'backoff.'`).
 * Returns a copy of the options, each read once: what was checked is what is used (a getter read
 * again could answer something else). An option inherited from a prototype (`Object.create(base)`,
 * a getter of a settings class) is taken and checked as an own one, since `options.attempts`
 * reads it; `Object.prototype` is not looked at, so a polluted one changes nothing.
 */
export function validate<T extends object>(
  pkg: string,
  options: unknown,
  rules: Rules<T>,
  prefix = '',
): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const what = prefix === '' ? 'options' : `option \`${prefix.slice(0, -1)}\``;
    throw new TypeError(`${pkg}: ${what} must be an object; received ${format(options)}`);
  }
  const read: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(rules, key)) {
      const known = Object.keys(rules).join(', ');
      throw new TypeError(`${pkg}: unknown option \`${prefix}${key}\` (known: ${known})`);
    }
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) check(pkg, prefix + key, value, rules[key as keyof T]);
    read[key] = value;
  }
  readInherited(pkg, options, rules, prefix, read);
  return read as Partial<T>;
}

// Adds to `read` the options with a rule that `options` inherits from a prototype below
// `Object.prototype`. They used to be dropped without a word, though the caller reads the
// same object's `signal` through its prototype. Unknown keys there are not refused: a class
// compiled to ES5 has enumerable methods on its prototype.
function readInherited(
  pkg: string,
  options: object,
  rules: Rules<object>,
  prefix: string,
  read: Record<string, unknown>,
): void {
  for (
    let proto: object | null = Object.getPrototypeOf(options);
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.keys(rules)) {
      if (Object.hasOwn(read, key) || !Object.hasOwn(proto, key)) continue;
      const value = (options as Record<string, unknown>)[key];
      if (value !== undefined)
        check(pkg, prefix + key, value, (rules as Record<string, Rule>)[key] as Rule);
      read[key] = value;
    }
  }
}

/**
 * Validates `options` and returns a new object with `defaults` for every option left out or
 * given as `undefined`. An option given as `0` or `false` keeps that value.
 */
export function resolveOptions<T extends object>(
  pkg: string,
  options: unknown,
  rules: Rules<T>,
  defaults: T,
): T {
  const given = validate(pkg, options, rules) as Record<string, unknown>;
  const result: Record<string, unknown> = { ...(defaults as object) };
  for (const key of Object.keys(given)) {
    if (given[key] !== undefined) result[key] = given[key];
  }
  return result as T;
}
