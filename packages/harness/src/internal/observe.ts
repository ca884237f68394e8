const nativeThen = Promise.prototype.then;

/**
 * Calls `report` with `result`'s rejection reason without replacing `result`: the handler goes on
 * a side branch whose own promise always fulfils (`report` never throws), so nothing is left
 * unhandled. Only real promises are observed (`Promise.prototype.then` refuses anything without a
 * promise's internal state, whatever realm it comes from); the intrinsic `then` is used so that a
 * subclass overriding `then` is not called by us. Any other thenable is left alone: calling its
 * `then` could start work it defers until awaited (a query builder).
 */
export function observe(result: PromiseLike<unknown>, report: (error: unknown) => void): void {
  try {
    nativeThen.call(result, undefined, report);
  } catch {
    // not a real promise (or a hostile subclass `constructor`): returned untouched, unobserved
  }
}
