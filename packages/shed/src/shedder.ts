import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  defaultName,
  type Event,
  EventEmitter,
  format,
  isThenable,
  resolveOptions,
  steadyClock,
} from '@dyno/core';
import { Pool } from '@dyno/pool';
import type { AdmitEvent, Priority, ShedEvent, ShedReason } from './events.js';
import type { FastifyHook, FastifyReplyLike } from './fastify.js';
import { EventLoopDelay } from './internal/event-loop.js';
import {
  finished,
  internalError,
  replyUnavailable,
  serviceUnavailable,
} from './internal/respond.js';
import { DEFAULT_SHEDDER_OPTIONS, SHEDDER_RULES, type ShedderOptions } from './options.js';

/** A `node:http` request listener. */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** An Express (connect) style middleware. */
export type Middleware = (
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

type Resolved = Required<Omit<ShedderOptions, 'name' | 'eventLoopDelay'>> &
  Pick<ShedderOptions, 'name' | 'eventLoopDelay'>;

const PKG = '@dyno/shed';

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

// A helper called the wrong way (`http.createServer(shedder.middleware)`, `app.register(...)`).
const misused = (helper: string, use: string): TypeError =>
  new TypeError(
    `${PKG}: \`shedder.${helper}\` was called with the wrong arguments; use it as ${use}`,
  );
/**
 * What a user function threw, as an `Error` for `next(error)` / `done(error)`: those read a falsy
 * value (`undefined`, `null`, `0`, `''`) as "go on", and Express's `next` reads `'route'` and
 * `'router'` as routing commands, so a non-error passed as it is would let the request through
 * (with no slot) or skip routes. The value thrown is kept as `cause`.
 */
const asError = (thrown: unknown, source: string): Error =>
  thrown instanceof Error
    ? thrown
    : new Error(`${PKG}: \`${source}\` threw ${format(thrown)}, not an Error`, { cause: thrown });

const ADMITTED = 0;
const FAILED = -1;

/**
 * Load shedding for a server: each request takes a slot of a `Pool` with an adaptive limit (no
 * queue) for as long as its response takes; when no slot is free, or the event loop lags more
 * than `maxEventLoopDelay`, the request is answered `503` with `Retry-After` at once, before it
 * reaches the handler. Health checks are never shed; sheddable requests go before critical ones.
 *
 * ```ts
 * const shedder = new Shedder({ concurrency: { algorithm: 'gradient', max: 100 } });
 * http.createServer(shedder.handle((req, res) => app(req, res))).listen(8080);
 * ```
 */
export class Shedder implements Disposable {
  /** The pool whose limit admits requests (observe it with `@dyno/metrics`). */
  readonly pool: Pool;
  readonly #name: string;
  readonly #maxDelay: number;
  readonly #reserve: number;
  readonly #retryAfter: number;
  readonly #priority: (request: IncomingMessage) => Priority;
  readonly #delay: EventLoopDelay | undefined;
  #admitted = 0;
  #shed = 0;
  #closed = false;
  // what `priority` (or the delay source) threw, as an Error, for `next(error)` / `done(error)`
  #failure: Error | undefined;

  readonly #onAdmit: EventEmitter<AdmitEvent>;
  readonly #onShed: EventEmitter<ShedEvent>;
  readonly #poolGone = (): void => this.close();

  /** Fires when a request is let through. */
  readonly onAdmit: Event<AdmitEvent>;
  /** Fires when a request is answered 503. */
  readonly onShed: Event<ShedEvent>;

  /** @throws TypeError or RangeError for bad options (the limit's named `concurrency.*`) */
  constructor(options?: ShedderOptions) {
    const o = resolveOptions<Resolved>(PKG, options, SHEDDER_RULES, DEFAULT_SHEDDER_OPTIONS);
    const name = o.name ?? defaultName('shed');
    // read per request: a reading that throws, is no finite number or steps back counts as no
    // time passed, where a throw answered every request 500 (the pool keeps this clock as it is)
    const clock = steadyClock(o.clock, PKG, name);
    // the pool checks the limit (and names it `concurrency`) before anything is started
    this.pool = new Pool({ concurrency: o.concurrency, queue: 0, name, clock });
    this.#name = name;
    // names the shedder when one of its listeners throws (core reports it; the request goes on)
    this.#onAdmit = new EventEmitter(`${PKG} ${JSON.stringify(name)} onAdmit`);
    this.#onShed = new EventEmitter(`${PKG} ${JSON.stringify(name)} onShed`);
    this.onAdmit = this.#onAdmit.event;
    this.onShed = this.#onShed.event;
    this.#maxDelay = o.maxEventLoopDelay === false ? 0 : o.maxEventLoopDelay;
    this.#reserve = o.reserve;
    this.#retryAfter = o.retryAfter;
    this.#priority = o.priority;
    if (o.maxEventLoopDelay !== false) {
      this.#delay = new EventLoopDelay(clock, o.sampleInterval, o.eventLoopDelay);
    }
  }

  /** The instance name used in events (and its pool's name). */
  get name(): string {
    return this.#name;
  }

  /** The concurrency limit now (the pool's `limit`). */
  get limit(): number {
    return this.pool.limit;
  }

  /** Requests holding a slot now (health checks take none). */
  get active(): number {
    return this.pool.active;
  }

  /** The event-loop delay last read, in ms (0 when the event loop is not watched). */
  get eventLoopDelay(): number {
    return this.#delay === undefined ? 0 : this.#delay.value;
  }

  /** Requests let through since the shedder was made, health checks included. */
  get admitted(): number {
    return this.#admitted;
  }

  /** Requests answered 503 since the shedder was made. */
  get shed(): number {
    return this.#shed;
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Wraps a `node:http` request listener: a request that is let through reaches `listener` (an
   * exception it throws, or a rejection of the promise it returns, propagates as it would without
   * the shedder, and frees the slot: the response is ended with 500); the others are answered 503
   * with `Retry-After`.
   */
  handle(listener: RequestListener): RequestListener {
    if (typeof listener !== 'function') {
      throw new TypeError(
        `${PKG}: \`handle\` takes a request listener (request, response) => void; received ${format(listener)}`,
      );
    }
    return (request, response) => {
      const verdict = this.#admit(request, response, undefined);
      if (verdict === FAILED) internalError(response);
      else if (verdict === ADMITTED) return this.#run(listener, request, response);
    };
  }

  /**
   * An Express (connect) style middleware: calls `next()` for a request that is let through,
   * answers 503 otherwise, and calls `next(error)` when `priority` throws. Use it first.
   */
  readonly middleware: Middleware = (request, response, next) => {
    if (typeof next !== 'function') throw misused('middleware', '`app.use(shedder.middleware)`');
    const verdict = this.#admit(request, response, undefined);
    if (verdict === ADMITTED) next();
    else if (verdict === FAILED) next(this.#failure);
  };

  /**
   * A Fastify `onRequest` hook: `app.addHook('onRequest', shedder.fastify)`. A request that is
   * let through goes on to its route; the others are answered 503 with `Retry-After` (through
   * the reply, with the body and headers of `handle`) before the body is read. A throwing
   * `priority` goes to Fastify's error handler (`done(error)`). The slot is freed when the
   * response finishes or its connection closes, whatever the route did.
   */
  readonly fastify: FastifyHook = (request, reply, done) => {
    if (typeof done !== 'function' || !isObject(request?.raw) || !isObject(reply?.raw)) {
      // registered as a plugin, it gets (instance, options, done): fail the registration
      const error = misused('fastify', "`app.addHook('onRequest', shedder.fastify)`");
      if (typeof done === 'function') return done(error);
      throw error;
    }
    const verdict = this.#admit(request.raw, reply.raw, reply);
    if (verdict === ADMITTED) done();
    else if (verdict === FAILED) done(this.#failure);
  };

  /**
   * Stops watching the event loop and answers every later request 503 (reason `'closed'`);
   * requests already let through go on. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#delay?.close();
    this.pool.dispose();
  }

  /** The same as `close`. */
  dispose(): void {
    this.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Lets `request` through (taking a slot unless it is a health check) or answers it 503.
   * Returns ADMITTED, FAILED (a user function threw: the caller answers) or 1 (answered 503).
   */
  #admit(
    request: IncomingMessage,
    response: ServerResponse,
    reply: FastifyReplyLike | undefined,
  ): number {
    let priority: Priority;
    let delay = 0;
    let source = 'priority';
    try {
      priority = this.#priority(request);
      if (priority !== 'health' && priority !== 'critical' && priority !== 'sheddable') {
        const received = format(priority);
        const expected = '"health", "critical" or "sheddable"';
        throw new TypeError(`${PKG}: \`priority\` must return ${expected}; received ${received}`);
      }
      if (priority !== 'health' && this.#delay !== undefined) {
        source = 'eventLoopDelay';
        delay = this.#delay.current();
      }
    } catch (error) {
      this.#failure = asError(error, source);
      return FAILED;
    }
    if (priority === 'health') {
      this.#admitted++;
      this.#admitEvent(priority);
      return ADMITTED;
    }
    if (this.#closed) return this.#refuse(response, reply, priority, 'closed');
    const share = priority === 'sheddable' ? 1 - this.#reserve : 1;
    if (this.#maxDelay > 0 && delay > this.#maxDelay * share) {
      return this.#refuse(response, reply, priority, 'event-loop');
    }
    const pool = this.pool;
    const limit = share === 1 ? pool.limit : Math.max(1, Math.floor(pool.limit * share));
    if (pool.active >= limit) return this.#refuse(response, reply, priority, 'limit');
    // a free slot and no queue: the pool starts the call at once, so the slot is ours now. It
    // rejects only when `pool` was disposed behind the shedder's back: then the shedder closes
    // (later requests get 503 'closed') rather than let requests through with no limit, or leave
    // an unhandled rejection that would end the process.
    pool.execute(() => finished(response)).catch(this.#poolGone);
    this.#admitted++;
    this.#admitEvent(priority);
    return ADMITTED;
  }

  /**
   * Calls `listener` and returns what it returned. A listener that returns a promise (an async
   * one) and leaves its response open when it rejects would hold its slot until the client gives
   * up: its rejection ends the response with 500 as a throw does, and the promise returned in its
   * place rejects with the same reason, so the server sees the failure as it would without the
   * shedder (unhandled, or caught by Node's `captureRejections`). Adopting the result into a
   * native promise also takes a thenable that calls back twice at its first call only.
   */
  #run(listener: RequestListener, request: IncomingMessage, response: ServerResponse): unknown {
    try {
      const result: unknown = listener(request, response);
      if (!isThenable(result)) return result;
      return Promise.resolve(result).then(undefined, (error: unknown) => {
        if (!response.writableEnded) internalError(response);
        throw error;
      });
    } catch (error) {
      // the response will not finish by itself: end it so the slot is freed, then rethrow as
      // the server would see it without the shedder
      if (!response.writableEnded) internalError(response);
      throw error;
    }
  }

  #admitEvent(priority: Priority): void {
    if (this.#onAdmit.hasListeners) {
      const { active, limit } = this.pool;
      this.#onAdmit.emit({ name: this.#name, priority, active, limit });
    }
  }

  #refuse(
    response: ServerResponse,
    reply: FastifyReplyLike | undefined,
    priority: Priority,
    reason: ShedReason,
  ): number {
    this.#shed++;
    if (reply === undefined) serviceUnavailable(response, this.#retryAfter);
    else replyUnavailable(reply, this.#retryAfter);
    if (this.#onShed.hasListeners) {
      const { active, limit } = this.pool;
      const eventLoopDelay = this.eventLoopDelay;
      this.#onShed.emit({ name: this.#name, priority, reason, active, limit, eventLoopDelay });
    }
    return 1;
  }
}
