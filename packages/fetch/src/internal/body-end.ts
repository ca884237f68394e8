/**
 * Knowing when a response's body is done, so the call's timer and listeners can go then.
 *
 * The response is kept, not copied: copying it into `new Response(stream)` costs a
 * `ReadableStream`, which Node 20 makes slowly (about a tenth of a request on loopback). Instead
 * its prototype becomes one whose body readers (`text()`, `json()`, ...) report when they
 * settle. Only a caller of `response.body` gets a stream wrapped around the body, made when it
 * first asks for it. That prototype is made once per `Response` class, over the class's own: a
 * `fetch` you pass may come from another copy of undici, whose responses the platform's getters
 * refuse, or answer with a subclass.
 */

const TRACKER = Symbol('@dyno/fetch body tracker');
const STREAM = Symbol('@dyno/fetch body stream');

/** The `body` getter of a response's class. */
type BodyOf = (this: Response) => ReadableStream<Uint8Array> | null;

/** What the call keeps of a response it answered with: never the response itself. */
export interface BodyEnd {
  /**
   * The call ended early (its deadline, its caller's abort): every read of the body rejects
   * with `reason`, and `end` runs now, since nothing is left to wait for.
   */
  halt(reason: unknown): void;
}

/** Calls `end` once: when a body is read to the end or fails, or when every copy is cancelled. */
class Tracker implements BodyEnd {
  #open = 1;
  #end: (() => void) | undefined;
  readonly #endedWith: () => unknown;
  /** Why the call ended while the body was open, once it has: reads then reject with it. */
  #stopped: { readonly reason: unknown } | undefined;
  /** What rejects each read under way (made at the first read). */
  #reads: Set<(reason: unknown) => void> | undefined;

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

  /**
   * The call ended (its deadline, its caller's abort) before the body did: every read under way
   * or to come rejects with `reason`, even from a `fetch` that ignores its signal and a body
   * that never ends.
   */
  stop(reason: unknown): void {
    if (this.#end === undefined || this.#stopped !== undefined) return;
    this.#stopped = { reason };
    for (const fail of this.#reads ?? []) fail(reason);
  }

  /** `stop`, and `end` now: the call has ended, so nothing is left to wait for. */
  halt(reason: unknown): void {
    this.stop(reason);
    this.finished();
  }

  /** `read`, unless the call ends first. */
  race<T>(read: Promise<T>): Promise<T> {
    const stopped = this.#stopped;
    if (stopped !== undefined) {
      read.then(undefined, () => undefined); // its outcome no longer has a reader
      return Promise.reject(stopped.reason);
    }
    this.#reads ??= new Set();
    const reads = this.#reads;
    return new Promise<T>((resolve, reject) => {
      reads.add(reject);
      read.then(
        (value) => {
          reads.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          reads.delete(reject);
          reject(error);
        },
      );
    });
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
  return tracker.race(read).then(
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

/** The `body` getter `proto` has or inherits, if any. */
function bodyGetterOf(proto: object | null): BodyOf | undefined {
  for (let p = proto; p !== null; p = Object.getPrototypeOf(p)) {
    const getter = Object.getOwnPropertyDescriptor(p, 'body')?.get;
    if (getter !== undefined) return getter as BodyOf;
  }
  return undefined;
}

/** The prototype of a tracked response: its class's, with its body readers reporting. */
function endingOver(proto: object, bodyOf: BodyOf): object {
  const platform = proto as Record<string, unknown>;
  const ending: Record<string, unknown> = Object.create(proto);
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
        this[STREAM] =
          bodyOf.call(this) === null ? null : endingStream(this, this[TRACKER], bodyOf);
      }
      return this[STREAM];
    },
  });
  return ending;
}

const platformEnding = endingOver(Response.prototype, bodyGetterOf(Response.prototype) as BodyOf);
/** The tracked prototypes of other `Response` classes (another undici's, a subclass). */
const otherEndings = new WeakMap<object, object>();

/** The tracked prototype for `proto`, or `undefined` when its instances have no `body` getter. */
function endingFor(proto: object | null): object | undefined {
  if (proto === Response.prototype) return platformEnding;
  if (proto === null) return undefined;
  let ending = otherEndings.get(proto);
  if (ending === undefined) {
    const bodyOf = bodyGetterOf(proto);
    if (bodyOf === undefined) return undefined;
    ending = endingOver(proto, bodyOf);
    otherEndings.set(proto, ending);
  }
  return ending;
}

/**
 * A stream over `response`'s body that tells `tracker` when it ends. It takes its reader of the
 * body at the first read, not before: after a mere look at `response.body`, `response.text()`
 * still reads the body as usual.
 */
function endingStream(
  response: Response,
  tracker: Tracker,
  bodyOf: BodyOf,
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const source = () => {
    reader ??= (bodyOf.call(response) as ReadableStream<Uint8Array>).getReader();
    return reader;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await tracker.race(source().read());
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
  const ending = endingFor(Object.getPrototypeOf(response));
  if (ending === undefined) {
    // a stand-in whose body is a plain field: nothing to follow, so nothing waits for it
    tracker.finished();
    return response;
  }
  const tracked = response as Tracked;
  // fields first: V8 keeps no transitions from a map whose prototype was changed, so fields
  // added after `setPrototypeOf` gave every response a map of its own (about 2 µs each, and
  // every later property access on it megamorphic)
  tracked[TRACKER] = tracker;
  tracked[STREAM] = undefined;
  Object.setPrototypeOf(response, ending);
  return response;
}

// A response its caller drops unread: when it is collected, its call lets go of what it holds
// (the listener on the caller's signal, which may live as long as the process).
const dropped = new FinalizationRegistry<Tracker>((tracker) => tracker.finished());

/**
 * Makes `response` call `end` once when its body is read to the end, fails, or is cancelled (with
 * every clone of it), or (`whenDropped`) when it is collected unread; `endedWith` gives the
 * reason the call ended early, if it did. Neither may reach `response`: the call holds what this
 * returns, so that a response nobody reads can be collected, as `fetch`'s own can. Meant for a
 * response with a body.
 */
export function onBodyEnd(
  response: Response,
  end: () => void,
  endedWith: () => unknown,
  whenDropped: boolean,
): BodyEnd {
  const tracker = new Tracker(end, endedWith);
  track(response, tracker);
  if (whenDropped) dropped.register(response, tracker);
  return tracker;
}
