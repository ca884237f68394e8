import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Clock,
  is,
  type Rule,
  reportListenerError,
  resolveOptions,
  systemClock,
  type TimerHandle,
} from '@dyno/core';
import { toHystrixCommand, toHystrixThreadPool } from './hystrix-format.js';
import { type Authorize, answerText, COLLECTION_FAILED, guarded } from './internal/guard.js';
import { entriesOf, type MetricsSource } from './source.js';

/** Options of `hystrixStream`. */
export interface HystrixStreamOptions {
  /**
   * How often every connected client receives the data, in ms, unless the client asks for
   * another pace with `?delay=` in the stream's URL (as Hystrix's servlet reads it, and as the
   * Hystrix dashboard and Turbine send it), which is kept within `HYSTRIX_DELAY_RANGE`.
   * @default 500
   */
  readonly interval?: number;
  /**
   * The most clients at once; one more gets `503`, as Hystrix's servlet answers.
   * @default 10
   */
  readonly maxClients?: number;
  /**
   * Drives the interval (which runs only while a client is connected).
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * Wall-clock time for the `currentTime` field, in ms since the epoch.
   * @default Date.now
   */
  readonly currentTime?: () => number;
  /**
   * The `propertyValue_*` fields of every `HystrixCommand` (without the prefix).
   * @default HYSTRIX_DEFAULT_PROPERTIES
   */
  readonly properties?: Readonly<Record<string, number | string | boolean>>;
  /**
   * The origins (`https://ops.example.com`) whose pages may read the stream from another
   * origin, as the dashboard does when it is served elsewhere; `['*']` admits every origin.
   * A request from a page of any other origin is refused with `403` (a browser page on the
   * stream's own origin, and a client that is not a browser, send no `Origin` or their own).
   * @default [] (the stream's own origin only)
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Decides whether a request may read the stream (true: served, false: `403`, a throw or
   * rejection: `500`); may be async. Without it every request that passes the origin check is
   * served: mount the stream where only operators can reach it.
   * @default undefined
   */
  readonly authorize?: Authorize;
}

/** The defaults of `hystrixStream`. */
export const DEFAULT_HYSTRIX_STREAM_OPTIONS: Readonly<{
  interval: number;
  maxClients: number;
  clock: Clock;
  currentTime: () => number;
  properties: undefined;
  allowedOrigins: readonly string[];
  authorize: Authorize | undefined;
}> = Object.freeze({
  interval: 500,
  maxClients: 10,
  clock: systemClock,
  currentTime: Date.now,
  properties: undefined,
  allowedOrigins: Object.freeze([]) as readonly string[],
  authorize: undefined as Authorize | undefined,
}) satisfies HystrixStreamOptions;

const ORIGINS: Rule = Object.freeze({
  expected: "an array of origins (scheme://host[:port]) or '*'",
  test(v: unknown) {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return 'type';
    return v.every((x: string) => x === '*' || originOf(x) === x) ? undefined : 'range';
  },
});

function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

const RULES = {
  interval: is.duration(1),
  maxClients: is.integer(1, 10_000),
  clock: is.clock,
  currentTime: is.function,
  properties: is.object,
  allowedOrigins: ORIGINS,
  authorize: is.function,
};

/**
 * The bounds of a client's `?delay=` in ms: a client may ask for a slower or a faster pace than
 * `interval`, never faster than every 100 ms (each beat takes a snapshot of every name) nor
 * slower than once a minute. A delay out of range is brought within it (Hystrix's servlet
 * takes any delay from 1 ms); one that is not a number is ignored.
 */
export const HYSTRIX_DELAY_RANGE: Readonly<{ min: number; max: number }> = Object.freeze({
  min: 100,
  max: 60_000,
});

/** The pace a request asks for with `?delay=`, or `fallback`. */
function delayOf(request: IncomingMessage, fallback: number): number {
  const url = request.url;
  if (url === undefined || !url.includes('delay=')) return fallback;
  let text: string | null;
  try {
    text = new URL(url, 'http://localhost').searchParams.get('delay');
  } catch {
    return fallback;
  }
  if (text === null || !/^\s*\d+\s*$/.test(text)) return fallback;
  const { min, max } = HYSTRIX_DELAY_RANGE;
  // an interval configured below the range stays the fastest a client can ask for
  return Math.min(max, Math.max(Math.min(min, fallback), Number(text)));
}

/** Clients served at one pace, with their own timer. */
interface Beat {
  readonly interval: number;
  readonly clients: Set<ServerResponse>;
  timer: TimerHandle | undefined;
}

/** A Node `http` request handler serving the Hystrix stream, with a way to stop it. */
export interface HystrixStreamHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  /** How many clients are connected. */
  readonly clients: number;
  /**
   * Ends every client's response, answers `503` to the requests still waiting for `authorize`
   * and stops the interval. The handler stays usable.
   */
  close(): void;
}

const HEADERS = {
  'Content-Type': 'text/event-stream;charset=UTF-8',
  'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate',
  Pragma: 'no-cache',
  Connection: 'keep-alive',
};

/**
 * A Hystrix-compatible server-sent event stream (what `/hystrix.stream` serves): for every
 * `Metrics` a `data: {"type":"HystrixCommand",...}` event, and a `HystrixThreadPool` event per
 * observed pool, sent on connect and then every `interval` ms (or the `?delay=` a client asks
 * for); `ping:` when there is nothing to report. A timer runs only while a client is connected
 * (one per pace in use). Mount it on a route, matched by its path alone (clients add `?delay=`):
 * `createServer((req, res) => req.url?.split('?')[0] === '/hystrix.stream' ? stream(req, res) : ...)`.
 */
export function hystrixStream(
  source: MetricsSource,
  options?: HystrixStreamOptions,
): HystrixStreamHandler {
  const o = resolveOptions('@dyno/metrics', options, RULES, DEFAULT_HYSTRIX_STREAM_OPTIONS);
  const entries = entriesOf('the stream source', source);
  const clients = new Set<ServerResponse>();
  // one timer per pace clients asked for (`?delay=`); most streams have one
  const beats = new Map<number, Beat>();

  const payload = (): string => {
    const time = o.currentTime();
    const pools = new Set<string>();
    let out = '';
    for (const metrics of entries()) {
      const snapshot = metrics.snapshot();
      out += `data: ${JSON.stringify(toHystrixCommand(snapshot, time, o.properties))}\n\n`;
      const pool = toHystrixThreadPool(snapshot, time);
      if (pool !== undefined && !pools.has(pool.name as string)) {
        pools.add(pool.name as string);
        out += `data: ${JSON.stringify(pool)}\n\n`;
      }
    }
    return out === '' ? 'ping: \n\n' : out;
  };

  /**
   * The payload, or `undefined` when making it threw: a snapshot reads user code (the clock, an
   * observed source's gauges) and `currentTime` is user code. Thrown from a timer it would end
   * the process and stop the stream for good; it is reported and the beat skipped instead.
   */
  const tryPayload = (): string | undefined => {
    try {
      return payload();
    } catch (error) {
      reportListenerError(error, '@dyno/metrics hystrixStream');
      return undefined;
    }
  };

  const tick = (beat: Beat): void => {
    beat.timer = undefined;
    if (beat.clients.size === 0) return;
    const data = tryPayload();
    // A client that cannot keep up skips beats rather than buffering without bound.
    if (data !== undefined) {
      for (const response of beat.clients) if (!response.writableNeedDrain) response.write(data);
    }
    beat.timer = o.clock.setTimeout(() => tick(beat), beat.interval);
  };

  const stop = (beat: Beat): void => {
    beats.delete(beat.interval);
    if (beat.timer === undefined) return;
    o.clock.clearTimeout(beat.timer);
    beat.timer = undefined;
  };

  const anyOrigin = o.allowedOrigins.includes('*');
  const allowed = new Set(o.allowedOrigins);
  // The CORS header for a request's Origin; undefined: a page of a foreign origin, refused.
  const corsFor = (request: IncomingMessage): Record<string, string> | undefined => {
    const origin = request.headers.origin;
    if (origin === undefined) return {};
    if (anyOrigin) return { 'Access-Control-Allow-Origin': '*' };
    if (allowed.has(origin)) return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    // the page's own origin (some browsers send Origin on same-origin requests too)
    const own = originOf(origin);
    return own !== undefined && new URL(own).host === request.headers.host ? {} : undefined;
  };

  // Requests waiting for `authorize`: `close()` answers them, or a verdict that comes after it
  // would make a client of the closed stream, with a timer that keeps the process alive.
  const waiting = new Set<ServerResponse>();

  const handler = ((request: IncomingMessage, response: ServerResponse): void => {
    const cors = corsFor(request);
    if (cors === undefined) {
      response.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('This origin may not read the stream (see the `allowedOrigins` option).\n');
      return;
    }
    if (o.authorize !== undefined) {
      waiting.add(response);
      response.once('close', () => waiting.delete(response));
    }
    guarded(o.authorize, request, response, () => {
      waiting.delete(response);
      serve(response, cors, delayOf(request, o.interval));
    });
  }) as HystrixStreamHandler;

  const serve = (response: ServerResponse, cors: Record<string, string>, pace: number): void => {
    // A client gone before it was served (while an async middleware ran): its response's 'close'
    // has fired already, so nothing would ever remove it, its timer or its `maxClients` place.
    if (response.destroyed) return;
    if (clients.size >= o.maxClients) {
      answerText(response, 503, `MaxConcurrentConnections reached: ${o.maxClients}`);
      return;
    }
    const first = tryPayload();
    if (first === undefined) {
      answerText(response, 500, COLLECTION_FAILED);
      return;
    }
    clients.add(response);
    let beat = beats.get(pace);
    if (beat === undefined) {
      beat = { interval: pace, clients: new Set(), timer: undefined };
      beats.set(pace, beat);
    }
    const mine = beat;
    mine.clients.add(response);
    const leave = (): void => {
      if (!clients.delete(response)) return;
      mine.clients.delete(response);
      if (mine.clients.size === 0) stop(mine);
    };
    // Only the response's 'close' tells of a client leaving: a GET request's own 'close'
    // fires as soon as its (empty) body has been read.
    response.on('close', leave);
    response.writeHead(200, { ...HEADERS, ...cors });
    response.write(first);
    if (mine.timer === undefined) mine.timer = o.clock.setTimeout(() => tick(mine), pace);
  };

  Object.defineProperty(handler, 'clients', { get: () => clients.size, enumerable: true });
  handler.close = () => {
    for (const beat of [...beats.values()]) stop(beat);
    for (const response of [...clients]) response.end();
    clients.clear();
    for (const response of [...waiting]) answerText(response, 503, 'The stream is closed\n');
    waiting.clear();
  };
  return handler;
}
