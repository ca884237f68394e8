import {
  type Awaitable,
  abortReason,
  type Clock,
  check,
  checkFunction,
  checkOptions,
  type Disposable,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  type ExecuteOptions,
  format,
  is,
  MAX_DURATION,
  NEVER_ABORTED,
  NOOP_DISPOSABLE,
  type Policy,
  type Rule,
  type Rules,
  resolveOptions,
  steadyClock,
  systemClock,
  validate,
} from '@dyno/core';
import { brokenCircuit } from './errors.js';
import type { BreakEvent, NameEvent, RejectEvent, StateChangeEvent } from './events.js';
import { EmitQueue } from './internal/emit-queue.js';
import { DEFAULT_FUSE_OPTIONS, type FuseOptions } from './options.js';

/** Options of `Fuse.trigger`; give at most one of `for` and `until`. */
export interface TriggerOptions {
  /**
   * How long the break lasts, in ms from now (greater than 0, at most 2^31-1); the fuse closes
   * again by itself once it has passed, read lazily: `{ for: 60_000 }`.
   * @default undefined (broken until `reset()`)
   */
  readonly for?: number;
  /**
   * The time on the fuse's clock (`clock.now()`, monotonic ms, NOT `Date.now()`) at which the
   * fuse closes again by itself, read lazily: `{ until: performance.now() + 60_000 }` with the
   * default clock. At most 2^31-1 ms ahead of the clock's now (so a wall-clock time is refused).
   * @default undefined (broken until `reset()`)
   */
  readonly until?: number;
}

/** Payload of a fuse's `onBreak`: the reason, and `until` when the break ends by itself. */
export interface FuseBreakEvent extends BreakEvent {
  readonly until: number | undefined;
}

const PKG = '@dyno/breaker';
const RULES: Rules<FuseOptions> = { name: is.string, clock: is.clock };
const CLOCK_TIME: Rule = {
  expected: "a time in ms on the fuse's clock (a finite number from 0)",
  test: (v) =>
    typeof v !== 'number' ? 'type' : Number.isFinite(v) && v >= 0 ? undefined : 'range',
};
const TRIGGER_RULES: Rules<TriggerOptions> = { for: is.duration(0, true), until: CLOCK_TIME };
const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });

/**
 * A manual, resettable switch (the seed's breaker): `trigger()` breaks it, `reset()` restores it,
 * and guarded calls are rejected with `BrokenCircuitError` while it is broken. A break can end by
 * itself at a given time, read from the clock when the fuse is next used (no timer). Also a
 * feature flag: `if (!newCheckout.isBroken) ...`. Its `state` is `closed` or `open`.
 */
export class Fuse implements Policy {
  /** The instance name used in events and errors. */
  readonly name: string;
  readonly #clock: Clock;
  #broken = false;
  #reason: unknown;
  #until = Number.POSITIVE_INFINITY;
  #stateChange: EventEmitter<StateChangeEvent> | undefined;
  #break: EventEmitter<FuseBreakEvent> | undefined;
  #reset: EventEmitter<NameEvent> | undefined;
  #reject: EventEmitter<RejectEvent> | undefined;
  // transitions are emitted one after another, even when a listener makes one
  readonly #order: EmitQueue;

  /** Throws `TypeError` or `RangeError` for bad options. */
  constructor(options?: FuseOptions) {
    const o = resolveOptions(PKG, options, RULES, DEFAULT_FUSE_OPTIONS);
    this.name = o.name ?? defaultName('fuse');
    this.#order = new EmitQueue(this.name);
    // a reading that throws, is not a finite number or steps back counts as no time passed: a
    // `NaN` at the trigger kept the fuse broken for good, a step back of a day a day longer
    this.#clock = steadyClock(o.clock ?? systemClock, PKG, this.name);
  }

  /** True while broken; a break whose `until` has come ends here. */
  get isBroken(): boolean {
    if (this.#broken && this.#clock.now() >= this.#until) this.reset();
    return this.#broken;
  }

  /** `open` while broken, else `closed`. */
  get state(): 'closed' | 'open' {
    return this.isBroken ? 'open' : 'closed';
  }

  /** What broke the fuse, while it is broken. */
  get reason(): unknown {
    return this.isBroken ? this.#reason : undefined;
  }

  /**
   * Breaks the fuse. Triggering a broken fuse replaces its reason and `until` without a new event.
   * Throws `TypeError` or `RangeError` for bad options.
   */
  trigger(reason?: unknown, options?: TriggerOptions): void {
    const until = this.#endOf(options);
    const wasBroken = this.isBroken;
    this.#broken = true;
    this.#reason = reason;
    this.#until = until ?? Number.POSITIVE_INFINITY;
    if (wasBroken) return;
    this.#order.run(() => {
      if (this.#break?.hasListeners) this.#break.emit({ name: this.name, reason, until });
      if (this.#stateChange?.hasListeners) {
        this.#stateChange.emit({ name: this.name, from: 'closed', to: 'open' });
      }
    });
  }

  /** The validated `until` of trigger options, `for` turned into one; `undefined` for none. */
  #endOf(options: TriggerOptions | undefined): number | undefined {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`${PKG}: trigger options must be an object; received ${format(options)}`);
    }
    const o = validate(PKG, options, TRIGGER_RULES);
    if (o.for !== undefined && o.until !== undefined) {
      throw new TypeError(
        `${PKG}: trigger options \`for\` and \`until\` exclude each other; received both`,
      );
    }
    if (o.for !== undefined) return this.#clock.now() + o.for;
    const until = o.until;
    if (until === undefined) return undefined;
    const now = this.#clock.now();
    if (until - now > MAX_DURATION) {
      throw new RangeError(
        `${PKG}: option \`until\` must be at most ${MAX_DURATION} ms ahead of the fuse's clock (now ${now}): it is a time on that monotonic clock (\`performance.now()\` by default), not \`Date.now()\`; for a duration pass \`{ for: ms }\`; received ${until}`,
      );
    }
    return until;
  }

  /** Restores a broken fuse; does nothing when it is not broken. */
  reset(): void {
    if (!this.#broken) return;
    this.#broken = false;
    this.#reason = undefined;
    this.#until = Number.POSITIVE_INFINITY;
    this.#order.run(() => {
      if (this.#reset?.hasListeners) this.#reset.emit({ name: this.name });
      if (this.#stateChange?.hasListeners) {
        this.#stateChange.emit({ name: this.name, from: 'open', to: 'closed' });
      }
    });
  }

  /** Runs `fn` unless the fuse is broken, in which case it rejects with `BrokenCircuitError`. */
  async execute<T>(
    fn: (context: ExecuteContext) => Awaitable<T>,
    options?: ExecuteOptions,
  ): Promise<T> {
    checkFunction(PKG, 'fn', fn);
    checkOptions(PKG, options);
    const signal = options?.signal;
    if (signal !== undefined) check(PKG, 'signal', signal, is.signal);
    if (signal?.aborted) throw abortReason(signal);
    this.#guard();
    return await fn(signal === undefined ? NO_SIGNAL : { signal });
  }

  /**
   * The scoped guard: throws `BrokenCircuitError` when broken, else returns a `Disposable` for
   * `using _ = fuse.enter();` (a break during the block does not interrupt it).
   */
  enter(): Disposable {
    this.#guard();
    return NOOP_DISPOSABLE;
  }

  /** The fuse broke; `reason` as given to `trigger`. */
  get onBreak(): Event<FuseBreakEvent> {
    if (this.#break === undefined)
      this.#break = new EventEmitter<FuseBreakEvent>(this.#source('onBreak'));
    return this.#break.event;
  }
  /** The fuse was restored, by `reset()` or because `until` came. */
  get onReset(): Event<NameEvent> {
    if (this.#reset === undefined)
      this.#reset = new EventEmitter<NameEvent>(this.#source('onReset'));
    return this.#reset.event;
  }
  /** One event per transition between `closed` and `open`. */
  get onStateChange(): Event<StateChangeEvent> {
    if (this.#stateChange === undefined)
      this.#stateChange = new EventEmitter<StateChangeEvent>(this.#source('onStateChange'));
    return this.#stateChange.event;
  }
  /** A guarded call was refused. */
  get onReject(): Event<RejectEvent> {
    if (this.#reject === undefined)
      this.#reject = new EventEmitter<RejectEvent>(this.#source('onReject'));
    return this.#reject.event;
  }

  // names the fuse when one of its listeners throws (core reports it; the fuse goes on)
  #source(event: string): string {
    return `${PKG} "${this.name}" ${event}`;
  }

  #guard(): void {
    if (!this.isBroken) return;
    if (this.#reject?.hasListeners) this.#reject.emit({ name: this.name, state: 'open' });
    const until = this.#until;
    const retryAfter = until === Number.POSITIVE_INFINITY ? undefined : until - this.#clock.now();
    throw brokenCircuit(this.name, 'open', this.#reason, retryAfter);
  }
}
