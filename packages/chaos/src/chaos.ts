import {
  type Awaitable,
  abortReason,
  type Clock,
  check,
  checkOptions,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  type ExecuteOptions,
  format,
  invoke,
  is,
  NEVER_ABORTED,
  onAbort,
  type Policy,
  sleep,
  systemClock,
  toPromise,
  withDeadline,
} from '@dyno/core';
import { ChaosError } from './errors.js';
import type { FaultEvent } from './events.js';
import { type Config, checkSum, configure, PKG } from './internal/config.js';
import { oddThenable } from './internal/odd-thenable.js';
import { type ChaosOptions, FAULT_KINDS, type FaultKind } from './options.js';

/** How many calls were drawn for, and how many of them got each fault (`none`: no fault). */
export type ChaosCounts = { readonly calls: number; readonly none: number } & {
  readonly [K in FaultKind]: number;
};

const NONE = FAULT_KINDS.length;

/**
 * A fault injector for tests and staging, usable as a policy. Each call makes ONE draw of
 * `random` and so gets at most one fault, each fault's rate being its exact share of calls:
 * errors, non-`Error` throwables, synchronous throws, latency, hangs that end only on abort,
 * misbehaving thenables, wrong results and aborts. `execute` keeps the policy contract (always a
 * promise); `wrap` gives a raw function that really throws synchronously and really returns odd
 * thenables, to test other code's handling of them.
 */
export class Chaos implements Policy {
  /** The name that appears in events and errors. */
  readonly name: string;
  readonly #config: Config;
  readonly #random: () => number;
  readonly #clock: Clock;
  #enabled: boolean;
  readonly #counts = new Array<number>(NONE + 1).fill(0);
  #calls = 0;
  /** Where the latest draw fell inside its fault's share, from 0 to 1: picks within a fault. */
  #fraction = 0;
  /** The fault of the latest draw, so that `inject` of it reuses `#fraction` (no second draw). */
  #picked: FaultKind | undefined;
  readonly #onFault = new EventEmitter<FaultEvent>();

  /** A call was picked for a fault (before it is injected). */
  readonly onFault: Event<FaultEvent> = this.#onFault.event;

  constructor(options?: ChaosOptions) {
    this.#config = configure(options);
    const o = this.#config.options;
    this.name = o.name ?? defaultName('chaos');
    this.#random = o.random ?? Math.random;
    this.#clock = o.clock ?? systemClock;
    this.#enabled = o.enabled ?? true;
  }

  /** The switch for every fault at once; off, every call runs normally. */
  get enabled(): boolean {
    return this.#enabled;
  }

  set enabled(value: boolean) {
    if (typeof value !== 'boolean') {
      throw new TypeError(`${PKG}: \`enabled\` must be a boolean; received ${format(value)}`);
    }
    this.#enabled = value;
  }

  /** Turns one fault on (its share of calls gets it again). */
  enable(fault: FaultKind): void {
    this.#config.enabled[indexOf(fault)] = true;
  }

  /** Turns one fault off: its share of calls runs normally, the other shares do not change. */
  disable(fault: FaultKind): void {
    this.#config.enabled[indexOf(fault)] = false;
  }

  /** Whether one fault is switched on (its rate may still be 0). */
  isEnabled(fault: FaultKind): boolean {
    return this.#config.enabled[indexOf(fault)] as boolean;
  }

  /** The rate of one fault. */
  rate(fault: FaultKind): number {
    return this.#config.rates[indexOf(fault)] as number;
  }

  /** Changes the rate of one fault; the rates must still sum to at most 1. */
  setRate(fault: FaultKind, rate: number): void {
    const i = indexOf(fault);
    const ratio = is.ratio();
    if (ratio.test(rate) !== undefined) {
      const message = `${PKG}: a rate must be ${ratio.expected}; received ${format(rate)}`;
      throw typeof rate === 'number' ? new RangeError(message) : new TypeError(message);
    }
    const rates = this.#config.rates.slice();
    rates[i] = rate;
    checkSum(rates);
    this.#config.rates[i] = rate;
  }

  /** How many calls were drawn for and what they got, since construction or `resetCounts`. */
  get counts(): ChaosCounts {
    const counts: Record<string, number> = {
      calls: this.#calls,
      none: this.#counts[NONE] as number,
    };
    FAULT_KINDS.forEach((k, i) => {
      counts[k] = this.#counts[i] as number;
    });
    return Object.freeze(counts) as ChaosCounts;
  }

  /** Sets every count back to 0. */
  resetCounts(): void {
    this.#counts.fill(0);
    this.#calls = 0;
  }

  /**
   * Makes the one draw of a call and counts it: the fault to inject, or `undefined` for none.
   * `execute` and `wrap` call it; call it yourself to decide something per call (for example to
   * abort a caller's own signal) and then `inject` the same fault.
   */
  pick(): FaultKind | undefined {
    this.#picked = undefined;
    if (!this.#enabled) {
      this.#calls++;
      this.#counts[NONE] = (this.#counts[NONE] as number) + 1;
      return undefined;
    }
    const u = checkDraw(this.#random());
    this.#calls++;
    const { rates, enabled } = this.#config;
    let low = 0;
    for (let i = 0; i < NONE; i++) {
      const rate = rates[i] as number;
      if (u < low + rate) {
        if (!enabled[i]) break;
        this.#counts[i] = (this.#counts[i] as number) + 1;
        const fault = FAULT_KINDS[i] as FaultKind;
        const fraction = (u - low) / rate;
        this.#fraction = fraction;
        this.#picked = fault;
        if (this.#onFault.hasListeners) {
          this.#onFault.emit({ name: this.name, fault });
          // set again: a listener that made a draw of its own must not move this one's
          this.#fraction = fraction;
          this.#picked = fault;
        }
        return fault;
      }
      low += rate;
    }
    this.#counts[NONE] = (this.#counts[NONE] as number) + 1;
    return undefined;
  }

  /**
   * Runs `fn` with at most one injected fault. Always returns a promise: options that are not an
   * object, or a `signal` that is not an `AbortSignal`, reject with a `TypeError` naming them.
   */
  execute<T>(fn: (context: ExecuteContext) => Awaitable<T>, options?: ExecuteOptions): Promise<T> {
    let signal = NEVER_ABORTED;
    if (options !== undefined) {
      try {
        checkOptions(PKG, options);
        const given = options.signal;
        if (given !== undefined) check(PKG, 'signal', given, is.signal);
        signal = given ?? NEVER_ABORTED;
      } catch (error) {
        // a getter that throws rejects the call, as a bad option does
        return Promise.reject(error);
      }
    }
    if (signal.aborted) return Promise.reject(abortReason(signal));
    try {
      // inside the try: a `random` that throws or draws outside [0, 1) rejects the call
      const fault = this.pick();
      // never a tampered promise of fn's as it is: its own `then` could call back twice
      return toPromise(this.#apply(fault, this.#fraction, fn, { signal }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `fn` with at most one fault injected per call, raw: a `syncThrow` really throws and a
   * `thenable` really returns the odd thenable, for testing the code that calls it.
   */
  wrap<C extends ExecuteContext, T>(
    fn: (context: C) => Awaitable<T>,
  ): (context: C) => Awaitable<T> {
    if (typeof fn !== 'function') {
      throw new TypeError(`${PKG}: \`fn\` must be a function; received ${format(fn)}`);
    }
    return (context: C) => {
      if (context.signal.aborted) return Promise.reject(abortReason(context.signal));
      let fault: FaultKind | undefined;
      try {
        fault = this.pick();
      } catch (error) {
        // a bad draw is no `syncThrow` fault: the call rejects, as from `execute`
        return Promise.reject(error);
      }
      return this.#apply(fault, this.#fraction, fn, context);
    };
  }

  /**
   * Injects `fault` (picked earlier by `pick`, or chosen by hand) into one raw call of `fn`,
   * without a draw: `pick()` then `inject()` does exactly what `execute` does with the same
   * `random`. The fault of the latest `pick` reuses where that draw fell (which latency, which
   * throwable, which odd thenable); any other fault takes the first of each (the minimum latency,
   * the first value, the first kind).
   */
  inject<C extends ExecuteContext, T>(
    fault: FaultKind | undefined,
    fn: (context: C) => Awaitable<T>,
    context: C,
  ): Awaitable<T> {
    if (fault !== undefined) indexOf(fault);
    if (context.signal.aborted) return Promise.reject(abortReason(context.signal));
    const fraction = fault !== undefined && fault === this.#picked ? this.#fraction : 0;
    return this.#apply(fault, fraction, fn, context);
  }

  #error(fault: FaultKind, make: (() => unknown) | undefined): unknown {
    return make === undefined
      ? new ChaosError(fault, `Injected ${fault} fault`, this.name)
      : make();
  }

  #apply<C extends ExecuteContext, T>(
    fault: FaultKind | undefined,
    f: number,
    fn: (context: C) => Awaitable<T>,
    context: C,
  ): Awaitable<T> {
    const s = this.#config.settings;
    switch (fault) {
      case undefined:
        return fn(context);
      case 'error':
        // an `error` maker that throws must still reject: only `syncThrow` throws from `wrap`
        try {
          return Promise.reject(this.#error(fault, s.error));
        } catch (error) {
          return Promise.reject(error);
        }
      case 'throwable':
        return Promise.reject(s.values[Math.floor(f * s.values.length)]);
      case 'syncThrow':
        throw this.#error(fault, s.syncError);
      case 'latency': {
        const [min, max] = s.ms;
        const ms = min + f * (max - min);
        return sleep(ms, { signal: context.signal, clock: this.#clock }).then(() => fn(context));
      }
      case 'hang':
        // aborted already by an `onFault` listener of this very draw: no abort event is coming
        if (context.signal.aborted) return Promise.reject(abortReason(context.signal));
        return new Promise<T>((_, reject) => {
          onAbort(context.signal, () => reject(abortReason(context.signal)));
        });
      case 'thenable': {
        const kind = s.kinds[Math.floor(f * s.kinds.length)] ?? 'both';
        let outcome: { ok: boolean; value: unknown } | Promise<unknown>;
        try {
          const result = fn(context);
          outcome =
            typeof (result as PromiseLike<T> | undefined)?.then === 'function'
              ? Promise.resolve(result)
              : { ok: true, value: result };
        } catch (error) {
          outcome = { ok: false, value: error };
        }
        return oddThenable(outcome, kind, () => this.#error(fault, undefined)) as PromiseLike<T>;
      }
      case 'result':
        return invoke(fn, context).then((actual) => s.value(actual) as T);
      case 'abort':
        return this.#abort(fn, context);
    }
  }

  #abort<C extends ExecuteContext, T>(fn: (context: C) => Awaitable<T>, context: C): Promise<T> {
    const s = this.#config.settings;
    let reason: unknown;
    try {
      reason =
        s.reason?.() ?? new DOMException(`The call was aborted by ${this.name}`, 'AbortError');
    } catch (error) {
      // a `reason` maker that throws must still reject: only `syncThrow` throws from `wrap`
      return Promise.reject(error);
    }
    if (s.after === 0) return Promise.reject(reason);
    return withDeadline((signal) => fn({ ...context, signal }), {
      ms: s.after,
      reason: () => reason,
      signal: context.signal,
      clock: this.#clock,
    });
  }
}

// A draw below 0 would land in the share of a fault whose rate is 0, and NaN or 1 in none.
function checkDraw(u: number): number {
  if (typeof u === 'number' && u >= 0 && u < 1) return u;
  const message = `${PKG}: \`random\` must return a number from 0 to less than 1; received ${format(u)}`;
  throw typeof u === 'number' ? new RangeError(message) : new TypeError(message);
}

function indexOf(fault: FaultKind): number {
  const i = FAULT_KINDS.indexOf(fault);
  if (i === -1) {
    const known = FAULT_KINDS.map((k) => format(k)).join(', ');
    throw new TypeError(`${PKG}: unknown fault ${format(fault)} (known: ${known})`);
  }
  return i;
}
