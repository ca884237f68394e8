// ETag and If-Modified-Since handling as filters around a plain render function: the render
// function knows nothing about caching, and the filters can be removed or swapped at run time.
import { createHash } from 'node:crypto';
import { type AfterFilter, AspectRegistry, advertise, type BeforeFilter } from '@dyno/aspect';

/** The part of an HTTP request the example needs. */
export interface Request {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** What the render function answers. */
export interface Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** When the rendered resource last changed; the filters turn it into `last-modified`. */
  readonly lastModified?: Date | undefined;
}

type Args = [Request];

/** A before filter: header names are case-insensitive, so later filters read lower case only. */
export const lowerCaseHeaders: BeforeFilter<Args> = ([request]) => {
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(request.headers)) headers[key.toLowerCase()] = value;
  return [{ ...request, headers }];
};

/**
 * An after filter: adds `last-modified` and answers 304 when the resource has not changed since
 * the client's `if-modified-since`. Ignored when the client sent `if-none-match` (RFC 9110 13.1.3).
 */
export const ifModifiedSince: AfterFilter<Response, Args> = (response, { args: [request] }) => {
  const modified = response.lastModified;
  if (response.status !== 200 || modified === undefined) return response;
  const headers = { ...response.headers, 'last-modified': modified.toUTCString() };
  const since = Date.parse(request.headers['if-modified-since'] ?? '');
  // HTTP dates have whole seconds, so compare at that precision
  const seconds = Math.floor(modified.getTime() / 1000) * 1000;
  if (request.headers['if-none-match'] === undefined && seconds <= since) {
    return { status: 304, headers, body: '' };
  }
  return { ...response, headers };
};

/** An after filter: adds a strong `etag` of the body and answers 304 when `if-none-match` has it. */
export const etag: AfterFilter<Response, Args> = (response, { args: [request] }) => {
  if (response.status !== 200) return response;
  const tag = `"${createHash('sha1').update(response.body).digest('base64url')}"`;
  const headers = { ...response.headers, etag: tag };
  const wanted = request.headers['if-none-match']?.split(',').map((t) => t.trim()) ?? [];
  if (wanted.includes(tag) || wanted.includes('*')) return { status: 304, headers, body: '' };
  return { ...response, headers };
};

/** A page store and its render function, advertised as `render` with the caching filters. */
export function createSite(registry: AspectRegistry = new AspectRegistry()) {
  const pages = new Map<string, { body: string; lastModified: Date }>();
  const render = advertise(
    'render',
    (request: Request): Response => {
      const page = pages.get(request.path);
      if (page === undefined) return { status: 404, headers: {}, body: 'not found' };
      return { status: 200, headers: { 'content-type': 'text/html' }, ...page };
    },
    { registry },
  );
  registry.before('render', lowerCaseHeaders);
  registry.after('render', ifModifiedSince);
  registry.after('render', etag);
  const publish = (path: string, body: string, lastModified: Date): void => {
    pages.set(path, { body, lastModified });
  };
  return { render, publish, registry };
}
