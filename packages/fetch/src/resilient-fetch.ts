import type { CircuitBreaker } from '@dyno/breaker';
import {
  abortReason,
  DisposedError,
  defaultName,
  format,
  NEVER_ABORTED,
  untilAborted,
} from '@dyno/core';
import type { MetricsRegistry } from '@dyno/metrics';
import { TimeoutError } from '@dyno/pool';
import { remainingDeadline } from './deadline.js';
import { HttpError } from './errors.js';
import { prepareBody } from './internal/body.js';
import { Exchange } from './internal/exchange.js';
import { type Origin, Origins, statsOf } from './internal/origins.js';
import { normalize } from './internal/request.js';
import { resolveClient } from './internal/resolve.js';
import type { ClientSettings } from './internal/settings.js';
import type { FetchFunction, ResilientFetchOptions } from './options.js';
import type { OriginStats } from './stats.js';

/** What `resilientFetch` returns: `fetch`'s signature, plus the client's parts. */
export interface ResilientFetch extends FetchFunction {
  /** The client's name (its origins' breakers and metrics are named `<name> <origin>`). */
  readonly name: string;
  /** The registry holding each origin's `Metrics`, or `undefined` with `metrics: false`. */
  readonly metrics: MetricsRegistry | undefined;
  /**
   * The circuit breaker of an origin the client has called (`'https://api.example.com'`); any
   * URL of that origin finds it (`'HTTPS://API.example.com/users'`).
   */
  breaker(origin: string): CircuitBreaker | undefined;
  /** Counters per origin: status classes, network errors, timeouts, retries, hedges. */
  stats(): OriginStats[];
  /** Stops observing and forgets every origin; later calls reject with `DisposedError`. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * A `fetch` with the standard resilience pipeline, outermost first: total timeout → retry (or
 * hedging) → circuit breaker per origin → attempt timeout → `fetch`. Idempotent requests are
 * retried on network errors, attempt timeouts and 408/429/500/502/503/504, honouring
 * `Retry-After`; the breaker counts network errors, timeouts and 5xx, never 4xx. Resolves with
 * the last response, as `fetch` would (or rejects with `HttpError` under `throwHttpErrors`).
 * Bad options throw here, never at call time.
 */
export function resilientFetch(options?: ResilientFetchOptions): ResilientFetch {
  const r = resolveClient(options);
  const name = r.name ?? defaultName('fetch');
  const s: ClientSettings = { ...r.settings, name };
  const origins = new Origins({ ...r.origins, name });
  let disposed = false;

  const call = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (disposed) throw new DisposedError('This resilientFetch', name);
    // as fetch: a `null` init is none (fetch's types leave it out; JavaScript callers pass it)
    if (init !== undefined && init !== null && typeof init !== 'object') {
      throw new TypeError(`@dyno/fetch: \`init\` must be an object; received ${format(init)}`);
    }
    const req = normalize(input, init);
    if (req.signal?.aborted) throw abortReason(req.signal);
    const scoped = remainingDeadline();
    const budget = Math.min(
      s.timeout === false ? Number.POSITIVE_INFINITY : s.timeout,
      scoped ?? Number.POSITIVE_INFINITY,
    );
    if (budget <= 0) throw new TimeoutError(scoped ?? 0, name);
    const origin = origins.get(req.origin);
    const x = new Exchange(s, req, origin, Number.isFinite(budget) ? budget : undefined);
    let response: Response;
    try {
      // no body, nothing to prepare (and no wait for it)
      const replayable =
        req.body === undefined || (await x.prepare((body) => prepareBody(body, s.maxBufferedBody)));
      response = await run(s, x, origin, replayable && repeatable(s, req.method, req.headers));
    } catch (error) {
      x.close();
      if (req.signal?.aborted || s.fallback === undefined) throw error;
      // a caller who aborts is released at once, even from a fallback that hangs
      return untilAborted(fallback(s, origin, error, req), req.signal);
    }
    if (s.throwHttpErrors && !response.ok) {
      x.close(); // cancels the body: the error carries status and headers
      throw new HttpError(name, req.method, req.url, response, x.attempts);
    }
    return x.answer(response);
  };

  const client = call as unknown as ResilientFetch & Record<string, unknown>;
  Object.defineProperties(client, {
    name: { value: name },
    metrics: { value: r.origins.metrics === false ? undefined : r.origins.metrics },
    breaker: { value: (origin: string) => origins.peek(originOf(origin))?.breaker },
    stats: { value: () => [...origins.values()].map(statsOf) },
    dispose: {
      value: () => {
        if (disposed) return;
        disposed = true;
        origins.dispose();
      },
    },
  });
  Object.defineProperty(client, Symbol.dispose, { value: client.dispose });
  return client;
}

function repeatable(s: ClientSettings, method: string, headers: Headers | undefined): boolean {
  // in any case: `retry.methods` are upper-cased, and `patch` goes out as given
  return s.retryMethods.has(method.toUpperCase()) || headers?.has('idempotency-key') === true;
}

function run(s: ClientSettings, x: Exchange, origin: Origin, repeat: boolean): Promise<Response> {
  const attempt = (ctx: { signal: AbortSignal; attempt: number }) => x.attempt(ctx);
  if (repeat && origin.hedge !== undefined) {
    return origin.hedge.execute(attempt, { signal: x.signal });
  }
  if (repeat && s.retry !== undefined) {
    // without a signal Retry takes its fast path; the deadline is then its own (`Exchange`)
    return s.retry.execute(attempt, x.signal === NEVER_ABORTED ? undefined : { signal: x.signal });
  }
  // untilAborted is in the attempt: a single attempt rejects at the deadline even if fetch hangs
  return x.attempt({ signal: x.signal, attempt: 1 });
}

async function fallback(
  s: ClientSettings,
  origin: Origin,
  error: unknown,
  req: { url: string; method: string; origin: string },
): Promise<Response> {
  const answer = s.fallback as NonNullable<ClientSettings['fallback']>;
  try {
    const response = await answer(error, { url: req.url, method: req.method, origin: req.origin });
    origin.metrics?.record('fallback-success');
    return response;
  } catch (failure) {
    origin.metrics?.record('fallback-failure');
    throw failure;
  }
}

/** The origin of `url` as the client keys it (`'HTTP://A:80/x'` → `'http://a'`), else `url`. */
function originOf(url: string): string {
  return typeof url === 'string' && URL.canParse(url) ? new URL(url).origin : url;
}
