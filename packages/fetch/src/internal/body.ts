import { Readable } from 'node:stream';
import { format, invoke } from '@dyno/core';

/** A request body ready to be sent once or many times. */
export interface PreparedBody {
  /** What to pass as `body` (the same value for every attempt when `replayable`). */
  readonly body: RequestInit['body'];
  /** False for a stream past the buffering limit: it can be sent once only. */
  readonly replayable: boolean;
  /** True when `body` is a stream (fetch then needs `duplex: 'half'`). */
  readonly streamed: boolean;
}

const NONE: PreparedBody = Object.freeze({ body: undefined, replayable: true, streamed: false });

function isStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

function isAsyncIterable(body: unknown): body is AsyncIterable<Uint8Array> {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

/** Whether a reader has read from `stream` (Node's check, which `fetch` itself uses). */
function isDisturbed(stream: ReadableStream<Uint8Array>): boolean {
  return Readable.isDisturbed(stream as unknown as NodeJS.ReadableStream);
}

/** A chunk's bytes, as `fetch` sends them: a view's own bytes, not its elements cut to 8 bits. */
function toBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  // `new Uint8Array(3)` would send three zero bytes
  throw new TypeError(
    `@dyno/fetch: a request body chunk must be bytes or a string; received ${format(chunk)}`,
  );
}

/**
 * Makes a body replayable. Strings, buffers, blobs, form data and search params are sent again
 * as they are. A stream (or async iterable) is read into memory up to `limit` bytes; past it,
 * what was read and the rest of the stream are sent as one stream, once.
 */
export async function prepareBody(body: unknown, limit: number): Promise<PreparedBody> {
  if (body === undefined || body === null) return NONE;
  if (!isStream(body) && !isAsyncIterable(body)) {
    return { body: body as RequestInit['body'], replayable: true, streamed: false };
  }
  if (isStream(body) && (body.locked || isDisturbed(body))) {
    // the rest of it would be sent as if it were the whole body: `fetch` refuses it too
    throw new TypeError(
      '@dyno/fetch: a request body stream must not be disturbed or locked (part of it was read, or a reader holds it)',
    );
  }
  const iterator = isStream(body)
    ? streamIterator(body)
    : (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    let chunk: Uint8Array;
    try {
      chunk = toBytes(next.value);
    } catch (error) {
      // the caller's stream is not left open and locked
      invoke(() => iterator.return?.(), undefined).catch(() => undefined);
      throw error;
    }
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size > limit) {
      return { body: resume(chunks, iterator), replayable: false, streamed: true };
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body: bytes, replayable: true, streamed: false };
}

function streamIterator(stream: ReadableStream<Uint8Array>): AsyncIterator<Uint8Array> {
  const reader = stream.getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
    return: async () => {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}

/** A stream of the chunks already read, then the rest of `iterator`. */
function resume(
  chunks: Uint8Array[],
  iterator: AsyncIterator<unknown>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffered = chunks.shift();
      if (buffered !== undefined) {
        controller.enqueue(buffered);
        return;
      }
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(toBytes(next.value));
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}
