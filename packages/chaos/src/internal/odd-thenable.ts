import type { OddThenable } from '../options.js';

type Callback = ((value: unknown) => unknown) | null | undefined;

/**
 * A thenable over `outcome` that breaks the Promises/A+ rules as `kind` says. When the outcome
 * is already known (`fn` returned a plain value or threw) the callbacks run inside `then`, so
 * `throwAfter` throws to whoever called `then` after it settled them; otherwise they run when
 * the outcome arrives and a late throw is swallowed here.
 */
export function oddThenable(
  outcome: { ok: boolean; value: unknown } | Promise<unknown>,
  kind: OddThenable,
  makeError: () => unknown,
): PromiseLike<unknown> {
  const act = (ok: boolean, value: unknown, onFulfilled: Callback, onRejected: Callback): void => {
    const first = ok ? onFulfilled : onRejected;
    first?.(value);
    if (kind === 'twice') first?.(value);
    else if (kind === 'both') (ok ? onRejected : onFulfilled)?.(ok ? makeError() : undefined);
    else throw makeError();
  };
  return {
    then(onFulfilled: Callback, onRejected: Callback) {
      if (!(outcome instanceof Promise)) {
        act(outcome.ok, outcome.value, onFulfilled, onRejected);
      } else {
        outcome
          .then(
            (value) => act(true, value, onFulfilled, onRejected),
            (error: unknown) => act(false, error, onFulfilled, onRejected),
          )
          .catch(() => {});
      }
      // what `then` returns is rarely used by adopters; a plain object keeps the fault simple
      return undefined as never;
    },
  };
}
