import { BrokenCircuitError, CircuitBreaker } from '@dyno/breaker';
import {
  copyInheritedOptions,
  copyOptions,
  resolveOptions,
  steadyClock,
  validate,
  withDefaults,
} from '@dyno/core';
import { Hedge, type HedgeOutcome } from '@dyno/hedge';
import { MetricsRegistry } from '@dyno/metrics';
import { TimeoutError } from '@dyno/pool';
import { Retry, RetryBudget } from '@dyno/retry';
import {
  DEFAULT_FETCH_HEDGE_OPTIONS,
  DEFAULT_FETCH_RETRY_OPTIONS,
  DEFAULT_RESILIENT_FETCH_OPTIONS,
  FETCH_HEDGE_RULES,
  FETCH_RETRY_RULES,
  type FetchHedgeOptions,
  type FetchRetryOptions,
  RESILIENT_FETCH_RULES,
  type ResilientFetchOptions,
} from '../options.js';
import { callEnds, verdicts } from './exchange.js';
import type { OriginSettings } from './origins.js';
import { isRedirectRefusal } from './redirect.js';
import type { ClientSettings } from './settings.js';

const PKG = '@dyno/fetch';

type Resolved = Required<Omit<ResilientFetchOptions, 'fetch' | 'fallback' | 'name' | 'metrics'>> &
  Pick<ResilientFetchOptions, 'fetch' | 'fallback' | 'name' | 'metrics'>;

/** A client's settings, checked; nothing is built when an option is bad. */
export interface ResolvedClient {
  readonly name: string | undefined;
  readonly settings: Omit<ClientSettings, 'name'>;
  readonly origins: Omit<OriginSettings, 'name'>;
}

/** Network errors and attempt timeouts are worth another attempt; refusals and others are not. */
export function isRetryableError(error: unknown): boolean {
  if (BrokenCircuitError.isInstance(error) || isRedirectRefusal(error)) return false;
  // the call's own deadline or its caller's abort: nothing more may start
  if (typeof error === 'object' && error !== null && callEnds.has(error)) return false;
  // by name: `fetch` may come from another realm (a VM context, a test runner's sandbox)
  return (
    TimeoutError.isInstance(error) ||
    (typeof error === 'object' && error !== null && (error as Error).name === 'TypeError')
  );
}

/** Validates `options` and builds the shared parts (the Retry; breakers come per origin). */
export function resolveClient(options: ResilientFetchOptions | undefined): ResolvedClient {
  const o = resolveOptions(
    PKG,
    options,
    RESILIENT_FETCH_RULES,
    DEFAULT_RESILIENT_FETCH_OPTIONS as ResilientFetchOptions,
  ) as Resolved;
  // one steady clock for the client and every part it builds (they keep it as it is): a reading
  // that throws, is no finite number or steps back counts as no time passed
  const clock = steadyClock(o.clock, PKG, o.name);
  const retryOptions =
    o.retry === false
      ? undefined
      : ({
          ...DEFAULT_FETCH_RETRY_OPTIONS,
          ...definedOnly(validate(PKG, o.retry, FETCH_RETRY_RULES, 'retry.')),
        } as Required<FetchRetryOptions>);
  const hedgeOptions =
    o.hedge === false
      ? undefined
      : ({
          ...DEFAULT_FETCH_HEDGE_OPTIONS,
          ...definedOnly(validate(PKG, o.hedge, FETCH_HEDGE_RULES, 'hedge.')),
        } as Required<FetchHedgeOptions>);
  const statuses = new Set(retryOptions?.statuses ?? DEFAULT_FETCH_RETRY_OPTIONS.statuses);
  const methods = new Set(
    (retryOptions?.methods ?? DEFAULT_FETCH_RETRY_OPTIONS.methods).map((m) => m.toUpperCase()),
  );
  let retry: Retry | undefined;
  if (retryOptions !== undefined && hedgeOptions === undefined) {
    const budget =
      retryOptions.budget === false
        ? undefined
        : (retryOptions.budget ?? new RetryBudget({ clock }));
    retry = new Retry({
      name: o.name === undefined ? undefined : `${o.name} retry`,
      attempts: retryOptions.attempts,
      ...(retryOptions.backoff === undefined ? {} : { backoff: retryOptions.backoff }),
      maxDelay: retryOptions.maxDelay,
      budget,
      // no backoff outlasts the call: the next wait that would end after the client's timeout
      // is not begun (a call with no signal of its own relies on it: see `Exchange`)
      deadline: o.timeout === false ? undefined : o.timeout,
      clock,
      throwLastError: true,
      isRetryable: isRetryableError,
      shouldRetry: (outcome) =>
        outcome.failed || verdicts.get(outcome.result as Response)?.fits === true,
      retryAfter: (outcome) =>
        outcome.failed ? undefined : verdicts.get(outcome.result as Response)?.hint,
    });
  }
  // the per-origin parts are made at each origin's first call: a throwaway of each checks their
  // options now, so a bad option throws here rather than at call time (they hold nothing)
  // copied: each origin's parts are built from them later (see `copyOptions` in @dyno/core)
  const breakerOptions = copyInheritedOptions(o.breaker);
  const hedgeDelay = copyOptions(hedgeOptions?.delay);
  const hedgeBudget = copyOptions(hedgeOptions?.budget);
  if (breakerOptions !== false) {
    // the breaker would take them, and the client would override or ignore them without a word
    const given = breakerOptions as Record<string, unknown>;
    for (const key of ['name', 'clock', 'isFailure']) {
      if (given[key] !== undefined) {
        throw new TypeError(
          `${PKG}: option \`breaker.${key}\` is not allowed: the client names each origin's breaker, runs it on its clock and judges its outcomes`,
        );
      }
    }
    new CircuitBreaker(withDefaults({}, breakerOptions as object, { clock }));
  }
  if (hedgeOptions !== undefined) {
    new Hedge({
      delay: hedgeDelay,
      maxAttempts: hedgeOptions.maxAttempts,
      budget: hedgeBudget,
      clock,
    });
  }
  const isAcceptable = (outcome: HedgeOutcome): boolean =>
    outcome.failed
      ? BrokenCircuitError.isInstance(outcome.error) || isRedirectRefusal(outcome.error)
      : !statuses.has((outcome.result as Response).status);
  return {
    name: o.name,
    settings: {
      fetch: o.fetch,
      timeout: o.timeout,
      attemptTimeout: o.attemptTimeout,
      retry,
      retryMethods: methods,
      retryStatuses: statuses,
      retryAfter: retryOptions?.retryAfter ?? false,
      maxDelay: retryOptions?.maxDelay ?? 0,
      hedging: hedgeOptions !== undefined,
      fallback: o.fallback,
      throwHttpErrors: o.throwHttpErrors,
      maxBufferedBody: o.maxBufferedBody,
      deadlineHeader: o.deadlineHeader,
      clock,
    },
    origins: {
      clock,
      breaker: breakerOptions,
      hedge:
        hedgeOptions === undefined
          ? false
          : {
              delay: hedgeDelay as Required<FetchHedgeOptions>['delay'],
              maxAttempts: hedgeOptions.maxAttempts,
              budget: hedgeBudget as Required<FetchHedgeOptions>['budget'],
              isAcceptable,
            },
      metrics: o.metrics ?? new MetricsRegistry(),
      maxOrigins: o.maxOrigins,
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
