import { BrokenCircuitError, type CircuitPermit } from '@dyno/breaker';
import {
  abortReason,
  type Disposable,
  invoke,
  onAbort,
  type TimerHandle,
  untilAborted,
} from '@dyno/core';
import { TimeoutError } from '@dyno/pool';
import type { HttpAttempt } from '../errors.js';
import type { PreparedBody } from './body.js';
import type { Origin } from './origins.js';
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

/** The context an attempt runs with (Retry's or Hedge's, or the first and only one). */
export interface AttemptContext {
  readonly signal: AbortSignal;
  readonly attempt: number;
}

/**
 * One call on the wire: its deadline, its attempts, and the responses they brought. The latest
 * response supersedes the earlier ones (retry and hedge both answer with the last one when none
 * is wanted), whose bodies are cancelled so their connections go back to the pool. The response
 * the call answers with keeps the call's signal linked until its body ends, so the deadline
 * bounds a slow body too; then the timer and every listener go.
 */
export class Exchange {
  /** Aborted by the caller's signal or at the deadline; every attempt hangs off it. */
  readonly signal: AbortSignal;
  /** When the deadline passes (clock time), if there is one. */
  readonly endsAt: number | undefined;
  readonly attempts: HttpAttempt[] = [];
  readonly #s: ClientSettings;
  readonly #req: NormalizedRequest;
  readonly #origin: Origin;
  readonly #controller = new AbortController();
  readonly #link: Disposable;
  #timer: TimerHandle | undefined;
  #body: PreparedBody | undefined;
  #latest: { response: Response; release: () => void } | undefined;
  #closed = false;

  constructor(
    s: ClientSettings,
    req: NormalizedRequest,
    origin: Origin,
    budget: number | undefined,
  ) {
    this.#s = s;
    this.#req = req;
    this.#origin = origin;
    this.signal = this.#controller.signal;
    const caller = req.signal;
    this.#link = onAbort(caller, () => this.#controller.abort(abortReason(caller as AbortSignal)));
    if (budget === undefined) {
      this.endsAt = undefined;
    } else {
      this.endsAt = s.clock.now() + budget;
      this.#timer = s.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#controller.abort(new TimeoutError(budget, s.name));
      }, budget);
    }
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
    const controller = new AbortController();
    const abort = (signal: AbortSignal) => () => controller.abort(abortReason(signal));
    const links = [onAbort(this.signal, abort(this.signal))];
    if (ctx.signal !== this.signal) links.push(onAbort(ctx.signal, abort(ctx.signal)));
    const release = (): void => {
      for (const l of links) l.dispose();
    };
    const clock = s.clock;
    const start = clock.now();
    const limit = s.attemptTimeout;
    let timedOut: TimeoutError | undefined;
    const timer =
      limit === false
        ? undefined
        : clock.setTimeout(() => {
            timedOut = new TimeoutError(limit, `${s.name} attempt`);
            controller.abort(timedOut);
          }, limit);
    const fetchImpl = s.fetch ?? globalThis.fetch;
    const init = this.#init(controller.signal, start, limit);
    const sent = untilAborted(
      invoke(() => fetchImpl(this.#req.url, init), undefined),
      controller.signal,
    );
    return sent.then(
      (response) => {
        if (timer !== undefined) clock.clearTimeout(timer);
        const now = clock.now();
        record.status = response.status;
        this.#count(response.status, permit, now - start, now);
        if (s.retry !== undefined && !s.hedging && s.retryStatuses.has(response.status)) {
          verdicts.set(response, this.#verdict(response, now));
        }
        this.#arrived(response, release);
        return response;
      },
      (error: unknown) => {
        if (timer !== undefined) clock.clearTimeout(timer);
        release();
        record.error = error;
        if (error === timedOut) {
          o.tally.timeouts++;
          permit?.countFailure(error, 'error');
          o.metrics?.record('timeout', clock.now() - start);
        } else if (ctx.signal.aborted || this.signal.aborted) {
          // cancelled (by the caller, the deadline or a winning hedge): neither success nor failure
          permit?.release();
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
    if (response.body === null) {
      latest.release();
      this.close();
      return response;
    }
    // from here the deadline only bounds the body: a body nobody reads must not keep the
    // process alive until then (a Node timer can be unref'd; other clocks' handles are left)
    (this.#timer as { unref?: () => void } | undefined)?.unref?.();
    return endsWith(response, () => {
      latest.release();
      this.close();
    });
  }

  /** Ends the call: cancels any response not answered with, clears the timer, removes listeners. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#s.clock.clearTimeout(this.#timer);
    this.#link.dispose();
    if (this.#latest !== undefined) discard(this.#latest);
    this.#latest = undefined;
  }

  #arrived(response: Response, release: () => void): void {
    const previous = this.#latest;
    if (this.#closed) {
      discard({ response, release });
      return;
    }
    this.#latest = { response, release };
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
    const init: RequestInit & { duplex?: 'half' } = {
      ...req.rest,
      method: req.method,
      headers,
      signal,
    };
    if (body !== undefined && body.body !== undefined) init.body = body.body;
    if (body?.streamed) init.duplex = 'half';
    return init;
  }
}

function discard(entry: { response: Response; release: () => void }): void {
  entry.release();
  entry.response.body?.cancel().catch(() => undefined);
}

/** `response` with a body that calls `end` once when it is read to the end, fails or is cancelled. */
function endsWith(response: Response, end: () => void): Response {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let ended = false;
  const finish = (): void => {
    if (ended) return;
    ended = true;
    end();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          finish();
          controller.close();
        } else {
          controller.enqueue(next.value);
        }
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  const wrapped = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  Object.defineProperties(wrapped, {
    url: { value: response.url },
    redirected: { value: response.redirected },
    type: { value: response.type },
  });
  return wrapped;
}
