import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Decides whether a request may read an exporter: true serves it, false answers `403`. It may
 * be async (a token lookup). A throw or rejection answers `500` and serves nothing.
 */
export type Authorize = (request: IncomingMessage) => boolean | PromiseLike<boolean>;

/** What an exporter answers (500) when making its payload threw. */
export const COLLECTION_FAILED = 'Collecting the metrics failed\n';

/** Answers `status` with a line of plain text, unless the response has begun or ended. */
export function answerText(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent || response.writableEnded) return;
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}

const refuse = (response: ServerResponse, status: 403 | 500): void =>
  answerText(response, status, status === 403 ? 'Forbidden\n' : 'Authorization failed\n');

/** Calls `serve` once `authorize` (when given) allows `request`; answers 403 or 500 otherwise. */
export function guarded(
  authorize: Authorize | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  serve: () => void,
): void {
  if (authorize === undefined) {
    serve();
    return;
  }
  let verdict: boolean | PromiseLike<boolean>;
  try {
    verdict = authorize(request);
  } catch {
    refuse(response, 500);
    return;
  }
  if (verdict === true) {
    serve();
    return;
  }
  if (typeof verdict !== 'object' || verdict === null) {
    refuse(response, 403);
    return;
  }
  // Through `Promise.resolve`, not `verdict.then(...)`: a hook's own thenable may call back twice
  // (serving one request twice throws ERR_HTTP_HEADERS_SENT), or throw from `then` (out of the
  // request handler: an uncaught exception). A promise settles once and turns a throw into a
  // rejection; an object that is no thenable resolves to itself, which is not `true`: 403.
  Promise.resolve(verdict).then(
    (allowed) => {
      // the client may have left while the verdict was pending, or the exporter answered it
      // meanwhile (a stream closed)
      if (response.destroyed || response.writableEnded) return;
      if (allowed === true) serve();
      else refuse(response, 403);
    },
    () => refuse(response, 500),
  );
}
