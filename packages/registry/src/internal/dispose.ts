import { reportRejection } from '@dyno/core';
import type { DisposeOption } from '../options.js';

/**
 * Releases an owned value and says whether anything was released: a dispose function is called
 * with it (true); `true` calls the value's own `[Symbol.dispose]()` or, failing that, its
 * `dispose()` (true), and leaves a value with neither alone (false). A disposer that returns a
 * promise (`db.close()`) is not awaited; its rejection is reported under `source`.
 */
export function release(value: unknown, how: DisposeOption<unknown>, source: string): boolean {
  if (typeof how === 'function') {
    reportRejection(how(value), source);
    return true;
  }
  if (how !== true || (typeof value !== 'object' && typeof value !== 'function') || !value) {
    return false;
  }
  const v = value as { [Symbol.dispose]?: unknown; dispose?: unknown };
  if (typeof v[Symbol.dispose] === 'function')
    reportRejection((v[Symbol.dispose] as () => unknown)(), source);
  else if (typeof v.dispose === 'function') reportRejection((v.dispose as () => unknown)(), source);
  else return false;
  return true;
}
