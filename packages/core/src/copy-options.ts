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
