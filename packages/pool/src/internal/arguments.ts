import { check, checkFunction } from '@dyno/core';
import { TIMEOUT_RULE } from '../options.js';

const PKG = '@dyno/pool';

/**
 * The rejection for an `execute` whose `fn` is not a function, naming it (`@dyno/pool: \`fn\`
 * must be a function; received 42`). Call it only once `typeof fn !== 'function'` was seen (the
 * success path pays one `typeof`): the executor's throw is the rejection.
 */
export function notATask(fn: unknown): Promise<never> {
  return new Promise<never>(() => checkFunction(PKG, 'fn', fn));
}

/**
 * A call's `timeout` option, checked: ms, or `false` for none.
 * @throws TypeError or RangeError, as the pool option of the same name
 */
export function callTimeout(value: unknown): number | false {
  check(PKG, 'timeout', value, TIMEOUT_RULE);
  return value as number | false;
}
