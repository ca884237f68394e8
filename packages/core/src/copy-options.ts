/**
 * A copy of options as they are now, each field read once, for a composite that builds its
 * parts later (a service at its first call, a fetch client at each origin's first request). Built
 * from the caller's own objects, a change made in between would run unchecked (an invalid one
 * failed the call instead of the constructor) and a getter could answer differently.
 *
 * Data is copied all the way down (plain objects, arrays); anything else is kept as it is: an
 * instance (a `Backoff`, a `RetryBudget`), a function, and, below the top, a plain object with a
 * method (a clock written as an object literal), whose methods may read its own state.
 */
export function copyOptions<T>(value: T): T {
  return copy(value, true);
}

function copy<T>(value: T, top: boolean): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => copy(item, false)) as T;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const fields = Object.entries(value);
  if (!top && fields.some(([, field]) => typeof field === 'function')) return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of fields) result[key] = copy(field, false);
  return result as T;
}

/**
 * `copyOptions` for a part's options that may inherit fields from a prototype
 * (`Object.create(base)`, a settings class with getters), which every Dyno constructor reads as
 * its own (decision 110). A spread keeps own fields only, so a composite that adds its fields to
 * a part's options dropped them without a word. Here the inherited fields are read once into the
 * copy's prototype, where the part's constructor reads them as inherited (an unknown key among
 * them is not refused, as for any inherited option); methods keep `value` as `this`.
 */
export function copyInheritedOptions<T>(value: T): T {
  if (!inherits(value)) return copyOptions(value);
  const given = value as Record<string, unknown>;
  const inherited: Record<string, unknown> = {};
  for (let p = Object.getPrototypeOf(given); !isTop(p); p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === 'constructor' || Object.hasOwn(inherited, key) || Object.hasOwn(given, key)) {
        continue;
      }
      const field = given[key];
      inherited[key] = typeof field === 'function' ? field.bind(given) : copyOptions(field);
    }
  }
  return Object.assign(Object.create(inherited), copyOptions({ ...given })) as T;
}

/**
 * `{ ...defaults, ...given, ...extra }` for a part's options `given` as `copyInheritedOptions`
 * made them: the fields of its prototype stay inherited, over `defaults`; its own fields win
 * over both, and `extra` over everything.
 */
export function withDefaults<T extends object>(
  defaults: object,
  given: T | undefined,
  extra?: object,
): T {
  if (!inherits(given)) return { ...defaults, ...given, ...extra } as T;
  const layer = { ...defaults, ...Object.getPrototypeOf(given) };
  return Object.assign(Object.create(layer), given, extra) as T;
}

/** An object with a prototype of its own (not a literal, an array or `Object.create(null)`). */
function inherits(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !isTop(Object.getPrototypeOf(value))
  );
}

function isTop(prototype: unknown): boolean {
  return prototype === null || prototype === Object.prototype;
}
