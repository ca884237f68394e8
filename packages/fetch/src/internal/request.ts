import { format } from '@dyno/core';

/** A call's request taken apart once, so that every attempt can be sent from it. */
export interface NormalizedRequest {
  readonly url: string;
  readonly origin: string;
  /** As `fetch` sends it: the six standard methods in upper case, any other as given. */
  readonly method: string;
  /** A copy of the caller's headers; `undefined` when none were given. */
  readonly headers: Headers | undefined;
  /** The body as given (prepared later). */
  readonly body: unknown;
  /** The caller's signal (from `init`, else from a `Request`). */
  readonly signal: AbortSignal | undefined;
  /** Every other `RequestInit` field (`redirect`, undici's `dispatcher`, ...), passed through. */
  readonly rest: Readonly<Record<string, unknown>>;
}

// the methods the Fetch standard upper-cases (matched in ASCII case only); it sends any other,
// `patch` included, byte for byte as given
const NORMALIZED_METHODS = /^(?:DELETE|GET|HEAD|OPTIONS|POST|PUT)$/i;

/** A method as `fetch` sends it (`'get'` → `'GET'`, `'patch'` stays `'patch'`). */
function normalizeMethod(method: string): string {
  return NORMALIZED_METHODS.test(method) ? method.toUpperCase() : method;
}

/** What `fetch` honours of a `Request` beyond its URL, method, headers, body and signal. */
const REQUEST_FIELDS = [
  'cache',
  'credentials',
  'integrity',
  'keepalive',
  'mode',
  'redirect',
  'referrer',
  'referrerPolicy',
] as const;

/** A `Request` of any realm (a `fetch` you pass may come with its own undici, and its Request). */
function isRequest(input: unknown): input is Request {
  return (
    (typeof Request !== 'undefined' && input instanceof Request) ||
    Object.prototype.toString.call(input) === '[object Request]'
  );
}

/**
 * Takes `fetch`'s arguments apart. The call goes out as `fetch(url, init)`, never as a `Request`
 * object, so a user-supplied `fetch` from another copy of undici gets only plain values.
 * @throws TypeError for a URL that does not parse or a signal that is not an `AbortSignal` (as
 * `fetch` would reject)
 */
export function normalize(input: unknown, init: RequestInit | undefined): NormalizedRequest {
  const { method, headers, body, signal, ...rest } = (init ?? {}) as RequestInit &
    Record<string, unknown>;
  // as fetch, which refuses one too: a look-alike would fail deep inside with another message
  if (signal != null && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `@dyno/fetch: \`init.signal\` must be an AbortSignal; received ${format(signal)}`,
    );
  }
  let url: string;
  let base: Partial<Pick<Request, 'method' | 'headers' | 'body' | 'signal'>> = {};
  if (isRequest(input)) {
    url = input.url;
    base = input;
    // as fetch: the Request's own, unless init gives one (an `integrity` check included)
    const fields = rest as Record<string, unknown>;
    for (const field of REQUEST_FIELDS) fields[field] ??= input[field];
  } else if (input instanceof URL) {
    url = input.href;
  } else {
    url = String(input);
  }
  // parsed once, here: for the origin, and so that a bad URL throws before anything is counted
  const parsed = new URL(url);
  const given = headers ?? base.headers;
  return {
    url: parsed.href,
    origin: parsed.origin,
    // as fetch: only an absent method is the default (`null` goes out as `'null'`)
    method: normalizeMethod(String(method === undefined ? (base.method ?? 'GET') : method)),
    headers: given === undefined ? undefined : new Headers(given),
    // as fetch: a `null` body in `init` keeps the Request's (only a non-null one replaces it)
    body: body ?? base.body ?? undefined,
    signal: signal ?? base.signal ?? undefined,
    rest,
  };
}
