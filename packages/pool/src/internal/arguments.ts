import {
  abortReason,
  check,
  checkFunction,
  checkOptions,
  type ExecuteOptions,
  is,
} from '@dyno/core';
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
 * The rejection for a call whose `signal` is not an `AbortSignal` (a string, a look-alike
 * `{ aborted: false }`), naming it. Call it only once `!(signal instanceof AbortSignal)` was
 * seen: such a value would otherwise reach the abort listeners and throw from `execute` after a
 * slot was taken.
 */
export function notASignal(signal: unknown): Promise<never> {
  return new Promise<never>(() => check(PKG, 'signal', signal, is.signal));
}

/**
 * A call's `signal`, read once its `options` were seen to be an object.
 * @throws TypeError naming `options` when they are not an object (`null` included), or what a
 * getter of theirs throws: the caller makes either its rejection
 */
export function callSignal(options: ExecuteOptions): AbortSignal | undefined {
  checkOptions(PKG, options);
  return options.signal;
}

/**
 * What a call may use of its `options`: its `signal` (`undefined` for none), or the rejection of
 * a call that must not run: options that are not an object or whose getter throws, a `signal`
 * that is not an `AbortSignal`, a signal already aborted.
 */
export function readSignal(
  options: ExecuteOptions | undefined,
): AbortSignal | undefined | Promise<never> {
  if (options === undefined) return undefined;
  let signal: AbortSignal | undefined;
  try {
    signal = callSignal(options);
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) return notASignal(signal);
  return signal.aborted ? Promise.reject(abortReason(signal)) : signal;
}

/**
 * A call's `timeout` option, checked: ms, or `false` for none.
 * @throws TypeError or RangeError, as the pool option of the same name
 */
export function callTimeout(value: unknown): number | false {
  check(PKG, 'timeout', value, TIMEOUT_RULE);
  return value as number | false;
}
