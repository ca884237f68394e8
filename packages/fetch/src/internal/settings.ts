import type { Clock } from '@dyno/core';
import type { Retry } from '@dyno/retry';
import type { FetchFunction, FetchRequestInfo } from '../options.js';

/** What every call of one client reads, fixed at construction. */
export interface ClientSettings {
  readonly name: string;
  readonly fetch: FetchFunction | undefined;
  readonly timeout: number | false;
  readonly attemptTimeout: number | false;
  readonly retry: Retry | undefined;
  readonly retryMethods: ReadonlySet<string>;
  readonly retryStatuses: ReadonlySet<number>;
  readonly retryAfter: boolean;
  readonly maxDelay: number;
  readonly hedging: boolean;
  readonly fallback:
    | ((error: unknown, request: FetchRequestInfo) => Response | Promise<Response>)
    | undefined;
  readonly throwHttpErrors: boolean;
  readonly maxBufferedBody: number;
  readonly deadlineHeader: string | false;
  readonly clock: Clock;
}
