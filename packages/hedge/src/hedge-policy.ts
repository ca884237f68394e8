import {
  type Awaitable,
  check,
  checkOptions,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteOptions,
  format,
  is,
  MAX_DURATION,
  type Policy,
  resolveOptions,
  steadyClock,
  validate,
} from '@dyno/core';
import type { HedgeEvent, RefuseEvent, WinEvent } from './events.js';
import { HedgeBudget } from './hedge-budget.js';
import { LatencyWindow } from './internal/latency-window.js';
import { type AttemptContext, race } from './internal/race.js';
import type { Settings, Tally } from './internal/settings.js';
import {
  DEFAULT_HEDGE_OPTIONS,
  DEFAULT_PERCENTILE_DELAY,
  HEDGE_OPTION_RULES,
  type HedgeOptions,
  PERCENTILE_DELAY_RULES,
  type PercentileDelay,
} from './options.js';

const PKG = '@dyno/hedge';

/** What `Hedge` passes to `fn` for each attempt. */
export interface HedgeContext extends AttemptContext {
  /** This attempt's own signal: aborted when another attempt wins or the caller aborts. */
  readonly signal: AbortSignal;
  /** This attempt's number, 1-based. */
  readonly attempt: number;
}

/** Counts since the Hedge was made. */
export interface HedgeCounts {
  /** Calls run. */
  readonly calls: number;
  /** Extra attempts started (every attempt after a call's first). */
  readonly hedges: number;
  /** Calls won by an extra attempt. */
  readonly wins: number;
  /** Extra attempts the budget refused. */
  readonly refused: number;
}

/**
 * Hedged calls: `fn` runs once; if it has not settled after `delay`, another attempt starts
 * beside it, up to `maxAttempts`; the first acceptable outcome wins and the others are aborted.
 * A budget bounds the extra load. Holds no timer between calls, so it needs no `dispose()`.
 */
export class Hedge implements Policy<HedgeContext> {
  /** The instance name, in events and errors. */
  readonly name: string;
  /** Attempts per call in all, the first included. */
  readonly maxAttempts: number;
  /** The budget extra attempts draw from, if any (shared or this instance's own). */
  readonly budget: HedgeBudget | undefined;
  /** An extra attempt started. */
  readonly onHedge: Event<HedgeEvent>;
  /** An extra attempt won its call. */
  readonly onWin: Event<WinEvent>;
  /** The budget refused an extra attempt. */
  readonly onRefuse: Event<RefuseEvent>;
  readonly #s: Settings;

  /** Throws `TypeError` or `RangeError` for bad options, before anything is built. */
  constructor(options?: HedgeOptions) {
    const o = resolveOptions(PKG, options, HEDGE_OPTION_RULES, DEFAULT_HEDGE_OPTIONS);
    const delay = resolveDelay(o.delay);
    const name = o.name ?? defaultName('hedge');
    // a reading that throws, is not a finite number or steps back counts as no time passed: a
    // throw as an attempt won left the call unsettled for good, and a `NaN` or a step back made
    // the percentile delay `NaN` or negative (a timer Node fires after 1 ms)
    const clock = steadyClock(o.clock, PKG, name);
    const budget =
      o.budget === false
        ? undefined
        : o.budget instanceof HedgeBudget
          ? o.budget
          : new HedgeBudget({ clock, ...o.budget });
    const latencies = typeof delay === 'number' ? undefined : new LatencyWindow(delay.samples);
    this.name = name;
    this.maxAttempts = o.maxAttempts;
    this.budget = budget;
    const onHedge = new EventEmitter<HedgeEvent>(`${PKG} onHedge`);
    const onWin = new EventEmitter<WinEvent>(`${PKG} onWin`);
    const onRefuse = new EventEmitter<RefuseEvent>(`${PKG} onRefuse`);
    this.onHedge = onHedge.event;
    this.onWin = onWin.event;
    this.onRefuse = onRefuse.event;
    this.#s = Object.freeze({
      name: this.name,
      maxAttempts: o.maxAttempts,
      isAcceptable: o.isAcceptable as Settings['isAcceptable'],
      budget,
      clock,
      delay: delayFunction(delay, latencies),
      latencies,
      onHedge,
      onWin,
      onRefuse,
      tally: { calls: 0, hedges: 0, wins: 0, refused: 0 } satisfies Tally,
    });
  }

  /** Counts since the Hedge was made (a fresh frozen object each read). */
  get counts(): HedgeCounts {
    return Object.freeze({ ...this.#s.tally });
  }

  /** The delay the next call's hedges would wait, in ms. */
  get delay(): number {
    return this.#s.delay();
  }

  /**
   * Runs `fn({ signal, attempt })` hedged. Resolves or rejects with the first acceptable outcome;
   * when none is, resolves with the last unacceptable result if an attempt returned one, else
   * rejects with the single failure itself or, after two or more, a `HedgeError`. Rejects with
   * the signal's reason when the caller aborts, and with a `TypeError` naming `options` when they
   * are not an object.
   */
  execute<T>(fn: (context: HedgeContext) => Awaitable<T>, options?: ExecuteOptions): Promise<T> {
    if (options === undefined) return this.run(fn, undefined, [], undefined);
    let signal: AbortSignal | undefined;
    try {
      checkOptions(PKG, options);
      signal = options.signal;
    } catch (error) {
      // a getter that throws rejects the call, as a bad option does
      return Promise.reject(error);
    }
    return this.run(fn, undefined, [], signal);
  }

  /**
   * Runs `fn(context, ...args)` with `this` as `thisArg`; `execute` and `hedge()` use it.
   * @internal
   */
  run<T>(
    fn: Function,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError(`${PKG}: \`fn\` must be a function; received ${format(fn)}`),
      );
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(
        new TypeError(`${PKG}: \`signal\` must be an AbortSignal; received ${format(signal)}`),
      );
    }
    return race<T>(this.#s, { fn, thisArg, args }, signal);
  }
}

type ResolvedDelay = number | Required<PercentileDelay>;

function resolveDelay(delay: number | PercentileDelay): ResolvedDelay {
  if (typeof delay === 'number') return delay;
  const given = validate(PKG, delay, PERCENTILE_DELAY_RULES, 'delay.');
  check(PKG, 'delay.percentile', given.percentile, is.number(0, 100, true));
  const d = { ...DEFAULT_PERCENTILE_DELAY, ...definedOnly(given) } as Required<PercentileDelay>;
  if (d.minSamples > d.samples) {
    throw new RangeError(
      `${PKG}: option \`delay.minSamples\` must be at most \`delay.samples\` (${d.samples}); received ${d.minSamples}`,
    );
  }
  return Object.freeze(d);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function delayFunction(delay: ResolvedDelay, latencies: LatencyWindow | undefined): () => number {
  if (typeof delay === 'number') return () => delay;
  const window = latencies as LatencyWindow;
  // an attempt accepted after 25 days (a hung connection, a clock that jumped forwards) is a
  // sample longer than a timer can wait: Node fires such a timer after 1 ms
  return () =>
    window.count < delay.minSamples
      ? delay.initial
      : Math.min(window.percentile(delay.percentile) as number, MAX_DURATION);
}
