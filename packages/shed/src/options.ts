import type { IncomingMessage } from 'node:http';
import { type Clock, is, type Rules, systemClock } from '@dyno/core';
import type { AdaptiveLimit } from '@dyno/pool';
import type { Priority } from './events.js';

/** Options of `Shedder`. */
export interface ShedderOptions {
  /**
   * How many requests the handler serves at once: an adaptive limit (see `@dyno/pool`'s
   * `AdaptiveLimit`) or a fixed integer. Requests over it are shed with 503 at once (no queue).
   * @default { algorithm: 'gradient' } (starts at 10, moves between 1 and 200)
   */
  readonly concurrency?: number | AdaptiveLimit;
  /**
   * The event-loop delay, in ms (mean over the last `sampleInterval`, from
   * `perf_hooks.monitorEventLoopDelay`), above which requests are shed; `false` to not watch the
   * event loop (no monitor is started).
   * @default 200
   */
  readonly maxEventLoopDelay?: number | false;
  /**
   * How often the event-loop delay is read, in ms: the mean since the last reading, read lazily
   * by the first request after this much time (no timer).
   * @default 500
   */
  readonly sampleInterval?: number;
  /**
   * The share of the limit and of `maxEventLoopDelay` kept for critical requests: a sheddable
   * request is shed once `active` reaches `limit × (1 - reserve)` (at least 1) or the delay
   * passes `maxEventLoopDelay × (1 - reserve)`. A ratio from 0 (no difference) to 1.
   * @default 0.2
   */
  readonly reserve?: number;
  /**
   * The `Retry-After` header of a 503, in seconds (an integer ≥ 0).
   * @default 1
   */
  readonly retryAfter?: number;
  /**
   * The class of a request. A function that throws fails that request (500 from `handle`,
   * `next(error)` from `middleware`).
   * @default health checks (`GET`/`HEAD` of `/health`, `/healthz`, `/livez`, `/readyz`,
   * `/ready`, `/live`, `/ping`) are `'health'`, every other request `'critical'`
   */
  readonly priority?: (request: IncomingMessage) => Priority;
  /**
   * The event-loop delay source, in ms, for tests or another monitor. Called at most once per
   * `sampleInterval`. A reading that is not a number ≥ 0 fails the request that read it.
   * @default the mean of a `perf_hooks.monitorEventLoopDelay` histogram since the last reading
   */
  readonly eventLoopDelay?: () => number;
  /**
   * The instance name used in events, and as the name of its pool.
   * @default "shed#<n>"
   */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
}

const HEALTH_PATHS = new Set([
  '/health',
  '/healthz',
  '/livez',
  '/readyz',
  '/ready',
  '/live',
  '/ping',
]);

/** The default `priority`: health checks are `'health'`, everything else `'critical'`. */
export function defaultPriority(request: IncomingMessage): Priority {
  const method = request.method;
  if (method !== 'GET' && method !== 'HEAD') return 'critical';
  const url = request.url ?? '';
  const end = url.indexOf('?');
  return HEALTH_PATHS.has(end < 0 ? url : url.slice(0, end)) ? 'health' : 'critical';
}

/** The defaults of `ShedderOptions` (`name` is generated; `eventLoopDelay` is the monitor). */
export const DEFAULT_SHEDDER_OPTIONS: Readonly<
  Required<Omit<ShedderOptions, 'name' | 'eventLoopDelay'>>
> = Object.freeze({
  concurrency: Object.freeze({ algorithm: 'gradient' }) as AdaptiveLimit,
  maxEventLoopDelay: 200,
  sampleInterval: 500,
  reserve: 0.2,
  retryAfter: 1,
  priority: defaultPriority,
  clock: systemClock,
});

/** @internal */
export const SHEDDER_RULES: Rules<ShedderOptions> = {
  // the pool validates the limit itself, naming `concurrency`
  concurrency: is.any,
  maxEventLoopDelay: is.either(is.duration(0, true), is.oneOf(false)),
  sampleInterval: is.duration(0, true),
  reserve: is.ratio(),
  retryAfter: is.integer(0, 2 ** 31 - 1),
  priority: is.function,
  eventLoopDelay: is.function,
  name: is.string,
  clock: is.clock,
};
