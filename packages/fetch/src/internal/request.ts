/** A call's request taken apart once, so that every attempt can be sent from it. */
export interface NormalizedRequest {
  readonly url: string;
  readonly origin: string;
  /** Upper case. */
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

function isRequest(input: unknown): input is Request {
  return typeof Request !== 'undefined' && input instanceof Request;
}

/**
 * Takes `fetch`'s arguments apart. The call goes out as `fetch(url, init)`, never as a `Request`
 * object, so a user-supplied `fetch` from another copy of undici gets only plain values.
 * @throws TypeError for a URL that does not parse (as `fetch` would reject)
 */
export function normalize(input: unknown, init: RequestInit | undefined): NormalizedRequest {
  const { method, headers, body, signal, ...rest } = (init ?? {}) as RequestInit &
    Record<string, unknown>;
  let url: string;
  let base: Partial<Pick<Request, 'method' | 'headers' | 'body' | 'signal' | 'redirect'>> = {};
  if (isRequest(input)) {
    url = input.url;
    base = input;
    if (base.redirect !== undefined && rest.redirect === undefined) rest.redirect = base.redirect;
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
    method: (method ?? base.method ?? 'GET').toUpperCase(),
    headers: given === undefined ? undefined : new Headers(given),
    // as fetch: a `null` body in `init` keeps the Request's (only a non-null one replaces it)
    body: body ?? base.body ?? undefined,
    signal: signal ?? base.signal ?? undefined,
    rest,
  };
}
