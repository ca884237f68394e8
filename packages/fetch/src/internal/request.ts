/** A call's request taken apart once, so that every attempt can be sent from it. */
export interface NormalizedRequest {
  readonly url: string;
  readonly origin: string;
  /** Upper case. */
  readonly method: string;
  readonly headers: Headers;
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
  } else if (input instanceof URL) {
    url = input.href;
  } else {
    url = String(input);
  }
  const parsed = new URL(url);
  const extra: Record<string, unknown> = { ...rest };
  if (base.redirect !== undefined && extra.redirect === undefined) extra.redirect = base.redirect;
  return {
    url: parsed.href,
    origin: parsed.origin,
    method: (method ?? base.method ?? 'GET').toUpperCase(),
    headers: new Headers(headers ?? base.headers),
    body: body !== undefined ? body : (base.body ?? undefined),
    signal: signal ?? base.signal ?? undefined,
    rest: extra,
  };
}
