import type { DisposeOption } from '../options.js';

/**
 * Releases an owned value: a dispose function is called with it; `true` calls the value's own
 * `[Symbol.dispose]()` or, failing that, its `dispose()`. Values with neither are left alone.
 */
export function release(value: unknown, how: DisposeOption<unknown>): void {
  if (typeof how === 'function') {
    how(value);
    return;
  }
  if (how !== true || (typeof value !== 'object' && typeof value !== 'function') || !value) return;
  const v = value as { [Symbol.dispose]?: unknown; dispose?: unknown };
  if (typeof v[Symbol.dispose] === 'function') (v[Symbol.dispose] as () => void)();
  else if (typeof v.dispose === 'function') (v.dispose as () => void)();
}
