import { type AspectRegistry, defaultRegistry } from './registry.js';

/** Options of `advertise`. */
export interface AdvertiseOptions {
  /**
   * The registry whose pipeline for the name runs on every call.
   * @default defaultRegistry
   */
  readonly registry?: AspectRegistry | undefined;
  /**
   * Whether the join point is asynchronous: `true` always returns a promise and awaits any
   * filter; `false` returns what `fn` returns, and a filter returning a promise throws a
   * `FilterResultError` (unless it is an "after" filter of a call whose `fn` returned one).
   * Types follow it: only `async: true` gives async "before" and "around" filters in the
   * typed join point handle, and a wrapper typed as returning a promise.
   * @default false
   */
  readonly async?: boolean | undefined;
}

/** The defaults of `AdvertiseOptions`. */
export const DEFAULT_ADVERTISE_OPTIONS: Readonly<Required<AdvertiseOptions>> = Object.freeze({
  registry: defaultRegistry,
  async: false,
});
