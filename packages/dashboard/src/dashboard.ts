import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveOptions } from '@dyno/core';
import { CONTENT_SECURITY_POLICY, renderPage } from './internal/page.js';
import { DASHBOARD_RULES, type DashboardOptions, DEFAULT_DASHBOARD_OPTIONS } from './options.js';

/**
 * A request handler serving the dashboard page. It has the shape of a `node:http` listener,
 * and takes (and ignores) express's `next`, so it mounts on a route as it is.
 */
export type DashboardHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: unknown,
) => void;

/**
 * The Dyno management page, Hystrix dashboard style: one card per circuit (health circle,
 * state, counts by outcome, error rate, request rate, latency percentiles, a two-minute
 * sparkline) and one per pool, live from a Hystrix event stream such as `hystrixStream` from
 * `@dyno/metrics`. The page is one self-contained document (inline style and script, no
 * fonts, nothing fetched but the stream), rendered once here; the handler answers `GET` and
 * `HEAD` on whatever route it is mounted, and `405` to any other method.
 *
 * ```ts
 * const stream = hystrixStream(registry);
 * const page = dashboard();
 * createServer((req, res) => {
 *   // by the path alone: the page takes `?stream=` and `?delay=`, and passes `?delay=` on
 *   const path = req.url?.split('?')[0];
 *   if (path === '/hystrix.stream') return stream(req, res);
 *   if (path === '/dashboard') return page(req, res);
 *   res.writeHead(404).end();
 * });
 * ```
 */
export function dashboard(options?: DashboardOptions): DashboardHandler {
  const o = resolveOptions<Required<DashboardOptions>>(
    '@dyno/dashboard',
    options,
    DASHBOARD_RULES,
    DEFAULT_DASHBOARD_OPTIONS,
  );
  const page = Buffer.from(renderPage(o.title, o.streamUrl), 'utf8');
  const headers = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(page.byteLength),
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  return (request, response) => {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${method} is not allowed: the dashboard answers GET and HEAD.\n`);
      return;
    }
    response.writeHead(200, headers);
    response.end(method === 'HEAD' ? undefined : page);
  };
}
