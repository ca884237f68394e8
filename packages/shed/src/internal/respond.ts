import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReplyLike } from '../fastify.js';

const TEXT = 'text/plain; charset=utf-8';
const UNAVAILABLE = 'Service Unavailable\n';

/**
 * Answers 503 Service Unavailable with `Retry-After` (seconds). Once an earlier middleware sent
 * the headers no 503 can be sent: the connection is cut, as `internalError` does, since ending
 * the response would hand the client a partial body as a whole answer.
 */
export function serviceUnavailable(response: ServerResponse, retryAfter: number): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.statusCode = 503;
  response.setHeader('Retry-After', String(retryAfter));
  response.setHeader('Content-Type', TEXT);
  response.end(UNAVAILABLE);
}

/** The same 503 through a Fastify reply, so its `onSend`/`onResponse` hooks and log see it. */
export function replyUnavailable(reply: FastifyReplyLike, retryAfter: number): void {
  reply.code(503);
  reply.header('Retry-After', String(retryAfter));
  reply.header('Content-Type', TEXT);
  reply.send(UNAVAILABLE);
}

/**
 * Answers 500 for a request the shedder could not classify, or whose listener failed. Headers
 * the listener had set but not sent are dropped first, as Node's own 500 does: a stale
 * `Content-Length` would leave the client reading a corrupt answer (or waiting for more), and
 * they may say what a failed request must not. Once the headers went out no 500 can be sent:
 * the connection is cut (as Node does), since ending the response would hand the client a
 * partial body as a whole one.
 */
export function internalError(response: ServerResponse): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  response.statusCode = 500;
  response.setHeader('Content-Type', TEXT);
  response.end('Internal Server Error\n');
}

/**
 * Resolves once `response` is done: finished, or its connection closed first. Listens to both
 * (a `close` alone can come late on a kept-alive socket) and removes both when one fires. A
 * response queued behind another on a pipelined connection (it has no socket yet) gets neither
 * event when that connection closes, since Node closes only the response it is writing: its
 * connection is watched as well.
 */
export function finished(response: ServerResponse): Promise<void> {
  if (response.writableFinished || response.destroyed) return Promise.resolve();
  const connection: Socket | undefined = response.socket === null ? response.req.socket : undefined;
  if (connection?.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('finish', done);
      response.off('close', done);
      unwatch();
      resolve();
    };
    const unwatch = connection === undefined ? () => undefined : onClose(connection, done);
    response.on('finish', done);
    response.on('close', done);
  });
}

interface Watch {
  readonly callbacks: Set<() => void>;
  readonly closed: () => void;
}

// What waits on each connection: one `close` listener per connection however deep its pipeline
// (a listener per response would set off a `MaxListenersExceededWarning`), removed with the last.
const watches = new WeakMap<Socket, Watch>();

/** Calls `callback` when `connection` closes; returns what stops watching (idempotent). */
function onClose(connection: Socket, callback: () => void): () => void {
  let watch = watches.get(connection);
  if (watch === undefined) {
    const callbacks = new Set<() => void>();
    // each callback stops watching, so the listener goes with the last one
    const closed = (): void => {
      for (const waiter of callbacks) waiter();
    };
    watch = { callbacks, closed };
    watches.set(connection, watch);
    connection.on('close', closed);
  }
  const { callbacks, closed } = watch;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    connection.off('close', closed);
    watches.delete(connection);
  };
}
