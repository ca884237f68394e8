import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Awaitable,
  type Clock,
  check,
  checkFunction,
  checkOptions,
  is,
  MAX_DURATION,
  systemClock,
} from '@dyno/core';
import { headerNameRule } from './options.js';

const PKG = '@dyno/fetch';

/** The header `readDeadline` reads by default: the caller's remaining budget in ms. */
export const DEFAULT_DEADLINE_HEADER = 'x-deadline-ms';

interface Scope {
  /** When the deadline passes, on `clock`. */
  readonly at: number;
  readonly clock: Clock;
}

const scopes = new AsyncLocalStorage<Scope>();

/** Options of `runWithDeadline`. */
export interface RunWithDeadlineOptions {
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * Runs `fn` in a deadline scope: every `resilientFetch` call made inside it (through any number
 * of awaits) gets at most the time left, so a request handler's budget bounds every outgoing
 * call. A scope inside another never extends it: the earlier deadline counts. It starts no timer.
 */
export function runWithDeadline<T>(
  ms: number,
  fn: () => Awaitable<T>,
  options?: RunWithDeadlineOptions,
): Promise<T> {
  check(PKG, 'ms', ms, is.duration());
  checkFunction(PKG, 'fn', fn);
  checkOptions(PKG, options);
  const clock = options?.clock ?? systemClock;
  check(PKG, 'clock', clock, is.clock);
  const outer = remainingDeadline();
  const left = outer === undefined ? ms : Math.min(ms, outer);
  return scopes.run({ at: clock.now() + left, clock }, async () => fn());
}

/** The ms left in the current `runWithDeadline` scope (0 once it passed), or `undefined` outside any. */
export function remainingDeadline(): number | undefined {
  const scope = scopes.getStore();
  if (scope === undefined) return undefined;
  return Math.max(0, scope.at - scope.clock.now());
}

/** Options of `readDeadline`. */
export interface ReadDeadlineOptions {
  /** @default DEFAULT_DEADLINE_HEADER ('x-deadline-ms') */
  readonly header?: string;
}

type HeaderSource =
  | Headers
  | { readonly headers: Headers | Readonly<Record<string, string | string[] | undefined>> };

/**
 * Reads an incoming request's deadline header (a `node:http` `IncomingMessage`, a `Request`, or
 * `Headers`): the budget in ms the caller has left, or `undefined` when the header is missing or
 * not a duration from 0 to 2^31-1 ms. Use it with `runWithDeadline`:
 *
 * ```ts
 * createServer((req, res) => runWithDeadline(readDeadline(req) ?? 5_000, () => handle(req, res)));
 * ```
 */
export function readDeadline(
  source: HeaderSource,
  options?: ReadDeadlineOptions,
): number | undefined {
  checkOptions(PKG, options);
  const header = options?.header;
  if (header !== undefined) check(PKG, 'header', header, headerNameRule);
  const name = (header ?? DEFAULT_DEADLINE_HEADER).toLowerCase();
  const headers = source instanceof Headers ? source : source.headers;
  const raw = headers instanceof Headers ? headers.get(name) : headers[name];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (typeof text !== 'string' || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const ms = Number(text);
  return ms <= MAX_DURATION ? ms : undefined;
}
