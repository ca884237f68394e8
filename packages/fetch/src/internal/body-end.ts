/**
 * Knowing when a response's body is done, so the call's timer and listeners can go then.
 *
 * The response is kept, not copied: copying it into `new Response(stream)` costs a
 * `ReadableStream`, which Node 20 makes slowly (about a tenth of a request on loopback). Instead
 * its prototype becomes one whose body readers (`text()`, `json()`, ...) report when they
 * settle. Only a caller of `response.body` gets a stream wrapped around the body, made when it
 * first asks for it.
 */

const TRACKER = Symbol('@dyno/fetch body tracker');
const STREAM = Symbol('@dyno/fetch body stream');

const platform = Response.prototype as unknown as Record<string, unknown>;
const bodyOf = Object.getOwnPropertyDescriptor(Response.prototype, 'body')?.get as (
  this: Response,
) => ReadableStream<Uint8Array> | null;

/** Calls `end` once: when a body is read to the end or fails, or when every copy is cancelled. */
class Tracker {
  #open = 1;
  #end: (() => void) | undefined;
  readonly #endedWith: () => unknown;

  constructor(end: () => void, endedWith: () => unknown) {
    this.#end = end;
    this.#endedWith = endedWith;
  }

  /**
   * What a failed read rejects with. A read begun after the call ended (its deadline, its
   * caller's abort) gets the platform's bare `AbortError`, whatever the reason: the call's own
   * reason instead, as a read under way at that moment gets.
   */
  failure(error: unknown): unknown {
    if ((error as { name?: unknown } | null)?.name !== 'AbortError') return error;
    return this.#endedWith() ?? error;
  }

  /** A clone shares the body: cancelling one copy leaves the other to be read. */
  copied(): void {
    this.#open++;
  }

  /** Read to the end, or failed: the body is off the network (or never will be). */
  finished(): void {
    const end = this.#end;
    this.#end = undefined;
    end?.();
  }

  cancelled(): void {
    if (--this.#open === 0) this.finished();
  }
}

type Tracked = Response & {
  [TRACKER]: Tracker;
  [STREAM]: ReadableStream<Uint8Array> | null | undefined;
};

function settle<T>(tracker: Tracker, read: Promise<T>): Promise<T> {
  return read.then(
    (value) => {
      tracker.finished();
      return value;
    },
    (error: unknown) => {
      tracker.finished();
      throw tracker.failure(error);
    },
  );
}

/** The prototype of a tracked response: Response's, with its body readers reporting. */
const ending: Record<string, unknown> = Object.create(Response.prototype);
for (const name of ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text']) {
  const read = platform[name];
  if (typeof read !== 'function') continue; // `bytes()` is newer than some runtimes
  ending[name] = function (this: Tracked): Promise<unknown> {
    return settle(this[TRACKER], read.call(this));
  };
}
ending.clone = function (this: Tracked): Response {
  const copy = (platform.clone as (this: Response) => Response).call(this); // throws once used
  this[TRACKER].copied();
  return track(copy, this[TRACKER]);
};
// a getter, so the stream is made only for those who ask for it
Object.defineProperty(ending, 'body', {
  configurable: true,
  enumerable: true,
  get(this: Tracked): ReadableStream<Uint8Array> | null {
    if (this[STREAM] === undefined) {
      this[STREAM] = bodyOf.call(this) === null ? null : endingStream(this, this[TRACKER]);
    }
    return this[STREAM];
  },
});

/**
 * A stream over `response`'s body that tells `tracker` when it ends. It takes its reader of the
 * body at the first read, not before: after a mere look at `response.body`, `response.text()`
 * still reads the body as usual.
 */
function endingStream(response: Response, tracker: Tracker): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const source = () => {
    reader ??= (bodyOf.call(response) as ReadableStream<Uint8Array>).getReader();
    return reader;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await source().read();
          if (next.done) {
            tracker.finished();
            controller.close();
          } else {
            controller.enqueue(next.value);
          }
        } catch (error) {
          tracker.finished();
          controller.error(tracker.failure(error));
        }
      },
      cancel(reason) {
        tracker.cancelled();
        return source().cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function track(response: Response, tracker: Tracker): Response {
  const tracked = response as Tracked;
  // fields first: V8 keeps no transitions from a map whose prototype was changed, so fields
  // added after `setPrototypeOf` gave every response a map of its own (about 2 µs each, and
  // every later property access on it megamorphic)
  tracked[TRACKER] = tracker;
  tracked[STREAM] = undefined;
  Object.setPrototypeOf(response, ending);
  return response;
}

/**
 * `response` itself, now calling `end` once when its body is read to the end, fails, or is
 * cancelled (with every clone of it); `endedWith` gives the reason the call ended early, if it
 * did. Meant for a response with a body.
 */
export function onBodyEnd(response: Response, end: () => void, endedWith: () => unknown): Response {
  return track(response, new Tracker(end, endedWith));
}
