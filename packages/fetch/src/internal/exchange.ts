import { BrokenCircuitError, type CircuitPermit } from '@dyno/breaker';
import {
  abortReason,
  type Disposable,
  format,
  invoke,
  NEVER_ABORTED,
  NOOP_DISPOSABLE,
  onAbort,
  type TimerHandle,
  untilAborted,
} from '@dyno/core';
import { TimeoutError } from '@dyno/pool';
import type { HttpAttempt } from '../errors.js';
import type { PreparedBody } from './body.js';
import { type BodyEnd, onBodyEnd } from './body-end.js';
import type { Origin } from './origins.js';
import { isRedirectRefusal } from './redirect.js';
import type { NormalizedRequest } from './request.js';
import { parseRetryAfter } from './retry-after.js';
import type { ClientSettings } from './settings.js';

/** What the shared Retry learns about a response whose status is retryable. */
export interface RetryVerdict {
  /** The `Retry-After` wait in ms, if the response asked for one (and it is honoured). */
  readonly hint: number | undefined;
  /** False when even the capped wait would end after the call's deadline: give up now. */
  readonly fits: boolean;
}

/** Retryable responses, for the shared Retry's `shouldRetry` and `retryAfter`. */
export const verdicts: WeakMap<Response, RetryVerdict> = new WeakMap();

/** The reasons calls ended with (deadline, caller's abort): never worth another attempt. */
export const callEnds: WeakSet<object> = new WeakSet();

/** The context an attempt runs with (Retry's or Hedge's, or the first and only one). */
export interface AttemptContext {
  readonly signal: AbortSignal;
  readonly attempt: number;
}

/** What a response brought by an attempt holds until the call ends. */
interface Arrival {
  readonly response: Response;
  /** Stops the attempt following the call and its context; `undefined` when it never did. */
  readonly release: (() => void) | undefined;
}

/** Ends an attempt early (its signal aborted, its `fetch` call rejected) with `reason`. */
type Cut = (reason: unknown) => void;

/**
 * One call on the wire: its deadline, its attempts, and the responses they brought. The latest
 * response supersedes the earlier ones (retry and hedge both answer with the last one when none
 * is wanted), whose bodies are cancelled so their connections go back to the pool. The response
 * the call answers with stays bound to the call's deadline until its body ends, so the deadline
 * bounds a slow body too; then the timer and every listener go.
 *
 * Signals are made only where something can abort: a call without a deadline goes by the
 * caller's signal (or none), and an attempt by the call's unless its own timeout or a hedge can
 * end it alone. When the call ends early it cuts its attempts itself, rather than through abort
 * listeners: every signal, and every listener on one, costs the platform's `fetch` and
 * `EventTarget` far more than a `Set` entry.
 *
 * A call with a deadline has no signal of its own unless something outside its attempts must
 * see the deadline: the caller's signal, a request body being read, a hedge, or a
 * `runWithDeadline` scope shorter than the client's `timeout`. Otherwise the shared Retry runs
 * without a signal (its fast path) and knows the deadline as its own (`deadline: timeout`), so
 * no backoff outlasts the call; each attempt's signal is what the deadline aborts.
 */
export class Exchange {
  /**
   * Aborted by the caller's signal or at the deadline: what Retry and Hedge go by. The caller's
   * own, or `NEVER_ABORTED` when nothing outside the attempts needs one (see the class comment).
   */
  readonly signal: AbortSignal;
  /** When the deadline passes (clock time), if there is one. */
  readonly endsAt: number | undefined;
  readonly attempts: HttpAttempt[] = [];
  readonly #s: ClientSettings;
  readonly #req: NormalizedRequest;
  readonly #origin: Origin;
  /** The attempts to cut when the call ends early; `undefined` when the signal is the caller's. */
  readonly #cuts: Set<Cut> | undefined;
  readonly #link: Disposable;
  #timer: TimerHandle | undefined;
  #body: PreparedBody | undefined;
  #latest: Arrival | undefined;
  /** The body of the response answered with, while bound to the deadline (not the response). */
  #answered: BodyEnd | undefined;
  #closed = false;
  /** Why the call ended early (deadline, caller's abort), once it has. */
  #ended: { readonly reason: unknown } | undefined;

  constructor(
    s: ClientSettings,
    req: NormalizedRequest,
    origin: Origin,
    budget: number | undefined,
  ) {
    this.#s = s;
    this.#req = req;
    this.#origin = origin;
    const caller = req.signal;
    if (budget === undefined) {
      // only the caller can end the call: its signal is the call's
      this.signal = caller ?? NEVER_ABORTED;
      this.endsAt = undefined;
      this.#cuts = undefined;
      this.#link = NOOP_DISPOSABLE;
      return;
    }
    const signalled =
      caller !== undefined ||
      req.body !== undefined ||
      origin.hedge !== undefined ||
      budget !== s.timeout;
    const controller = signalled ? new AbortController() : undefined;
    const cuts = new Set<Cut>();
    const end = (reason: unknown): void => {
      if (typeof reason === 'object' && reason !== null) callEnds.add(reason);
      this.#ended = { reason };
      controller?.abort(reason);
      for (const cut of cuts) cut(reason);
      // a body read waits for no `fetch` that ignores its signal
      this.#answered?.halt(reason);
    };
    this.signal = controller?.signal ?? NEVER_ABORTED;
    this.#cuts = cuts;
    this.#link = onAbort(caller, () => end(abortReason(caller as AbortSignal)));
    this.endsAt = s.clock.now() + budget;
    this.#timer = s.clock.setTimeout(() => {
      this.#timer = undefined;
      end(new TimeoutError(budget, s.name));
    }, budget);
  }

  /** Reads the request body (bounded by the deadline); false when it can be sent once only. */
  async prepare(read: (body: unknown) => Promise<PreparedBody>): Promise<boolean> {
    this.#body = await untilAborted(read(this.#req.body), this.signal);
    return this.#body.replayable;
  }

  /** One attempt: breaker permit, attempt deadline, `fetch`, and the verdict on what came back. */
  attempt(ctx: AttemptContext): Promise<Response> {
    const s = this.#s;
    const o = this.#origin;
    // the deadline passed while Retry waited: no attempt starts after it
    if (this.#ended !== undefined) return Promise.reject(this.#ended.reason);
    const record: { attempt: number; status?: number; error?: unknown } = { attempt: ctx.attempt };
    this.attempts.push(record);
    if (ctx.attempt > 1 && !s.hedging) {
      o.tally.retries++;
      if (o.retries.hasListeners) o.retries.emit({ name: o.name, attempt: ctx.attempt - 1 });
    }
    let permit: CircuitPermit | undefined;
    if (o.breaker !== undefined) {
      try {
        permit = o.breaker.acquire({ signal: ctx.signal });
      } catch (error) {
        record.error = error;
        if (BrokenCircuitError.isInstance(error)) {
          o.tally.shortCircuited++;
          o.metrics?.record('short-circuited');
        }
        return Promise.reject(error);
      }
    }
    const clock = s.clock;
    const start = clock.now();
    const limit = s.attemptTimeout;
    // the attempt's own timeout, unless the call's deadline comes first anyway
    const timed = limit !== false && (this.endsAt === undefined || start + limit < this.endsAt);
    // a signal of its own when something can end the attempt but not the call, or when the call
    // ends at a deadline without a signal of its own
    const controller =
      timed ||
      ctx.signal !== this.signal ||
      (this.#cuts !== undefined && this.signal === NEVER_ABORTED)
        ? new AbortController()
        : undefined;
    const signal = controller?.signal ?? this.signal;
    let reject: Cut | undefined;
    // the attempt was cut (its own timeout, the call's end, a winning hedge)
    let wasCut = false;
    const cut: Cut = (reason) => {
      wasCut = true;
      controller?.abort(reason);
      reject?.(reason); // a no-op once fetch has settled
    };
    const release = this.#follow(ctx.signal, cut);
    let timedOut: TimeoutError | undefined;
    const timer = timed
      ? clock.setTimeout(() => {
          timedOut = new TimeoutError(limit, `${s.name} attempt`);
          cut(timedOut);
        }, limit)
      : undefined;
    const fetchImpl = s.fetch ?? globalThis.fetch;
    const init = this.#init(signal, start, timed ? limit : false);
    // rejects when the attempt is cut, even if `fetch` ignores its signal; a response that
    // comes after that is nobody's, and its body is cancelled so its connection is freed
    const sent = new Promise<Response>((resolve, fail) => {
      reject = fail;
      invoke(() => fetchImpl(this.#req.url, init), undefined).then((response) => {
        if (!isResponse(response)) fail(notAResponse(response));
        else if (wasCut) cancelBody(response);
        else resolve(response);
      }, fail);
    });
    return sent.then(
      (response) => {
        // `reject` holds `sent`, and so the response, for as long as `cut` listens on the
        // caller's signal, which may outlive the call: a response dropped unread stays collectable
        reject = undefined;
        if (timer !== undefined) clock.clearTimeout(timer);
        const now = clock.now();
        record.status = response.status;
        this.#count(response.status, permit, now - start, now);
        if (s.retry !== undefined && !s.hedging && s.retryStatuses.has(response.status)) {
          verdicts.set(response, this.#verdict(response, now));
        }
        this.#arrived({ response, release });
        return response;
      },
      (error: unknown) => {
        if (timer !== undefined) clock.clearTimeout(timer);
        release?.();
        record.error = error;
        // by identity with the error made here: a fetch may reject with `undefined` itself
        if (timedOut !== undefined && error === timedOut) {
          o.tally.timeouts++;
          permit?.countFailure(error, 'error');
          o.metrics?.record('timeout', clock.now() - start);
        } else if (ctx.signal.aborted || this.#ended !== undefined) {
          // cancelled (by the caller, the deadline or a winning hedge): neither success nor failure
          permit?.release();
        } else if (isRedirectRefusal(error)) {
          // the origin answered (with a redirect): a success for its breaker, no network error
          permit?.countSuccess();
          o.metrics?.record('success', clock.now() - start);
        } else {
          o.tally.networkErrors++;
          permit?.countFailure(error, 'error');
          o.metrics?.record('failure', clock.now() - start);
        }
        throw error;
      },
    );
  }

  /**
   * The call answers with `response`: every other response is cancelled, and the timer and
   * listeners go when its body ends (or at once when it has none).
   */
  answer(response: Response): Response {
    const latest = this.#latest;
    if (latest === undefined || latest.response !== response) {
      // a fallback's response, or a response that came in after this one (a slow loser)
      this.close();
      return response;
    }
    this.#latest = undefined;
    if (response.body === null || (this.#timer === undefined && latest.release === undefined)) {
      // nothing to wait for: no body, or one that only the caller's own signal can end
      latest.release?.();
      this.close();
      return response;
    }
    // from here the deadline only bounds the body: a body nobody reads must not keep the
    // process alive until then (a Node timer can be unref'd; other clocks' handles are left)
    (this.#timer as { unref?: () => void } | undefined)?.unref?.();
    // neither callback may reach the response (`latest` does): see `onBodyEnd`
    const release = latest.release;
    this.#answered = onBodyEnd(
      response,
      () => {
        release?.();
        this.close();
      },
      () => this.#ended?.reason ?? (this.signal.aborted ? abortReason(this.signal) : undefined),
      // without a deadline, only the body's end, or the response's collection, lets go
      this.#timer === undefined,
    );
    return response;
  }

  /** Ends the call: cancels any response not answered with, clears the timer, removes listeners. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#answered = undefined;
    if (this.#timer !== undefined) this.#s.clock.clearTimeout(this.#timer);
    this.#link.dispose();
    if (this.#latest !== undefined) discard(this.#latest);
    this.#latest = undefined;
  }

  /**
   * Has `cut` called when the call or the attempt's context (a hedge) ends early; returns what
   * undoes that, or `undefined` when nothing can.
   */
  #follow(context: AbortSignal, cut: Cut): (() => void) | undefined {
    const cuts = this.#cuts;
    const call = this.signal;
    const fromCaller =
      cuts === undefined ? onAbort(call, () => cut(abortReason(call))) : NOOP_DISPOSABLE;
    const fromContext =
      context === call ? NOOP_DISPOSABLE : onAbort(context, () => cut(abortReason(context)));
    cuts?.add(cut);
    if (cuts === undefined && fromCaller === NOOP_DISPOSABLE && fromContext === NOOP_DISPOSABLE) {
      return undefined;
    }
    return () => {
      cuts?.delete(cut);
      fromCaller.dispose();
      fromContext.dispose();
    };
  }

  #arrived(arrival: Arrival): void {
    if (this.#closed) {
      discard(arrival);
      return;
    }
    const previous = this.#latest;
    // a hedge answers with the first acceptable response: one that comes after it (a loser that
    // answered before the hedge could stop it) goes, not the winner
    if (
      previous !== undefined &&
      this.#s.hedging &&
      !this.#s.retryStatuses.has(previous.response.status)
    ) {
      discard(arrival);
      return;
    }
    this.#latest = arrival;
    if (previous !== undefined) discard(previous);
  }

  #count(status: number, permit: CircuitPermit | undefined, latency: number, now: number): void {
    const o = this.#origin;
    const t = o.tally;
    if (status >= 500) {
      t.s5++;
      permit?.countFailure(`HTTP ${status}`, 'result', now);
      o.metrics?.record('failure', latency, now);
    } else {
      if (status >= 400) t.s4++;
      else if (status >= 300) t.s3++;
      else if (status >= 200) t.s2++;
      else t.s1++;
      permit?.countSuccess(undefined, now);
      o.metrics?.record('success', latency, now);
    }
    // after the outcome, so the status lands in the bucket the call just wrote to
    if (o.responses.hasListeners) o.responses.emit({ name: o.name, status });
  }

  #verdict(response: Response, now: number): RetryVerdict {
    const s = this.#s;
    const hint = s.retryAfter ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    const wait = hint === undefined ? 0 : Math.min(hint, s.maxDelay);
    const fits = this.endsAt === undefined || now + wait < this.endsAt;
    return { hint, fits };
  }

  #init(signal: AbortSignal, now: number, attemptLimit: number | false): RequestInit {
    const req = this.#req;
    const body = this.#body;
    let headers = req.headers;
    const header = this.#s.deadlineHeader;
    if (header !== false) {
      const left = Math.min(
        this.endsAt === undefined ? Number.POSITIVE_INFINITY : this.endsAt - now,
        attemptLimit === false ? Number.POSITIVE_INFINITY : attemptLimit,
      );
      if (Number.isFinite(left)) {
        headers = new Headers(headers);
        headers.set(header, String(Math.max(0, Math.floor(left))));
      }
    }
    const init: RequestInit & { duplex?: 'half' } = { ...req.rest, method: req.method };
    // only what is there: each field makes the platform's Request constructor do more
    if (headers !== undefined) init.headers = headers;
    // NEVER_ABORTED is for Dyno's own policies: fetch would keep a listener on it until GC
    if (signal !== NEVER_ABORTED) init.signal = signal;
    if (body !== undefined && body.body !== undefined) init.body = body.body;
    if (body?.streamed) init.duplex = 'half';
    return init;
  }
}

function discard(arrival: Arrival): void {
  arrival.release?.();
  cancelBody(arrival.response);
}

function cancelBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/** A `Response` of any realm (a user-supplied `fetch` may come from another copy of undici). */
function isResponse(value: unknown): value is Response {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Response).status === 'number' &&
      typeof (value as Response).headers?.get === 'function'
    );
  } catch {
    return false; // a getter that throws: no Response (and no throw left unhandled)
  }
}

/** What an attempt fails with when a user-supplied `fetch` resolves with something else. */
function notAResponse(value: unknown): TypeError {
  return new TypeError(`@dyno/fetch: \`fetch\` resolved with ${format(value)}, not a Response`);
}
