import type { DisposeOption } from '../options.js';

/**
 * Releases an owned value and says whether anything was released: a dispose function is called
 * with it (true); `true` calls the value's own `[Symbol.dispose]()` or, failing that, its
 * `dispose()` (true), and leaves a value with neither alone (false).
 */
export function release(value: unknown, how: DisposeOption<unknown>): boolean {
  if (typeof how === 'function') {
    how(value);
    return true;
  }
  if (how !== true || (typeof value !== 'object' && typeof value !== 'function') || !value) {
    return false;
  }
  const v = value as { [Symbol.dispose]?: unknown; dispose?: unknown };
  if (typeof v[Symbol.dispose] === 'function') (v[Symbol.dispose] as () => void)();
  else if (typeof v.dispose === 'function') (v.dispose as () => void)();
  else return false;
  return true;
}
