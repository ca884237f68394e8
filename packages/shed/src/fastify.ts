import type { IncomingMessage, ServerResponse } from 'node:http';

// Structural types: what `Shedder.fastify` uses of Fastify, so that the published types never
// import 'fastify' (an optional peer that most users of `@dyno/shed` do not install).

/** What `Shedder.fastify` reads of a request (a `FastifyRequest` fits): the `node:http` one. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
}

/**
 * What `Shedder.fastify` uses of a reply (a `FastifyReply` fits): the `node:http` response, whose
 * end frees the slot, and the calls that answer 503 through Fastify (so `onSend` and
 * `onResponse` hooks and the request log see it).
 */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  code(statusCode: number): unknown;
  header(key: string, value: string): unknown;
  send(payload: string): unknown;
}

/**
 * A Fastify `onRequest` hook in the callback style:
 * `app.addHook('onRequest', shedder.fastify)`.
 */
export type FastifyHook = (
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
  done: (error?: Error) => void,
) => void;
