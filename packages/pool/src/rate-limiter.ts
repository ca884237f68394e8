import {
  type Awaitable,
  type Clock,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  type ExecuteOptions,
  invoke,
  NEVER_ABORTED,
  type Policy,
  resolveOptions,
  sleep,
  steadyClock,
  validate,
} from '@dyno/core';
import { RateLimitedError } from './errors.js';
import type { RateLimitedEvent } from './events.js';
import { notATask, readSignal } from './internal/arguments.js';
import {
  DEFAULT_RATE_LIMITER_OPTIONS,
  RATE_LIMITER_RULES,
  RATE_LIMITER_SETTINGS_RULES,
  type RateLimiterOptions,
  type RateLimiterSettings,
} from './options.js';

type Resolved = Required<Omit<RateLimiterOptions, 'name' | 'burst'>> & {
  readonly name?: string;
  readonly burst?: number;
};

const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: NEVER_ABORTED });
const followRate = (rate: number): number => Math.max(1, Math.ceil(rate));

/**
 * A token bucket: `rate` tokens per `interval` accumulate up to `burst`, and each call takes one.
 * The bucket is refilled lazily from the clock when used, so no timer runs. Without a free token a
 * call is rejected at once with `RateLimitedError` (carrying `retryAfter`), or, with `maxWait`,
 * waits its turn in arrival order when that turn comes within `maxWait`.
 *
 * ```ts
 * const limiter = new RateLimiter({ rate: 5, interval: 1_000, maxWait: 500 });
 * await limiter.execute(() => api.call());
 * ```
 */
export class RateLimiter implements Policy {
  readonly #name: string;
  #rate: number;
  #interval: number;
  #burst: number;
  #maxWait: number;
  // `burst` was left out: it follows `rate` (rounded up) through `reconfigure`
  readonly #burstFollowsRate: boolean;

  readonly #clock: Clock;
  // Goes below zero while callers wait: -n means n tokens are promised to waiting callers, so a
  // newcomer's wait is computed behind theirs and arrival order is kept without a queue.
  #tokens: number;
  #last: number;
  #waiting = 0;
  // how many waiting reservations were made, less those handed back: the newest is the tail
  #lastTicket = 0;
  // When (clock time) the waiters that left behind a later waiter would have had their tokens,
  // soonest first: a newcomer with no token now takes the first still to come, and they all go
  // back to the bucket when the last waiter leaves too; an admission spends those ahead of it.
  #holes: number[] = [];
  // the hole `#waitForToken` answered for, until `#takeToken` takes it
  #hole: number | undefined;
  // made on first subscription
  #onReject: EventEmitter<RateLimitedEvent> | undefined;

  /** Fires when a call is turned away (`reason: 'rate-limited'`). */
  get onReject(): Event<RateLimitedEvent> {
    // names the limiter when one of its listeners throws (core reports it; the call goes on)
    this.#onReject ??= new EventEmitter(`@dyno/pool ${JSON.stringify(this.#name)} onReject`);
    return this.#onReject.event;
  }

  /** @throws TypeError or RangeError for bad options */
  constructor(options?: RateLimiterOptions) {
    const o = resolveOptions<Resolved>(
      '@dyno/pool',
      options,
      RATE_LIMITER_RULES,
      DEFAULT_RATE_LIMITER_OPTIONS,
    );
    this.#name = o.name ?? defaultName('rate-limiter');
    this.#rate = o.rate;
    this.#interval = o.interval;
    this.#burstFollowsRate = o.burst === undefined;
    this.#burst = o.burst ?? followRate(o.rate);
    this.#maxWait = o.maxWait;
    this.#clock = steadyClock(o.clock, '@dyno/pool', this.#name);
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  /** The instance name used in events and errors. */
  get name(): string {
    return this.#name;
  }

  /** Tokens added per `interval` (change it with `reconfigure`). */
  get rate(): number {
    return this.#rate;
  }

  /** The period `rate` is counted over, in ms (change it with `reconfigure`). */
  get interval(): number {
    return this.#interval;
  }

  /** The most tokens the bucket holds (change it with `reconfigure`). */
  get burst(): number {
    return this.#burst;
  }

  /** How long a call may wait for a token, in ms; 0 never waits (change it with `reconfigure`). */
  get maxWait(): number {
    return this.#maxWait;
  }

  /**
   * Changes the limits at run time, validated as the options of the same names. The bucket is
   * first refilled at the old rate up to now, then holds at most the new `burst`. A `burst` never
   * given follows a new `rate` (rounded up). Callers already waiting keep their turn; callers
   * from now on are served at the new settings.
   * @throws TypeError or RangeError for bad settings
   */
  reconfigure(settings: RateLimiterSettings): void {
    const s = validate('@dyno/pool', settings, RATE_LIMITER_SETTINGS_RULES) as RateLimiterSettings;
    this.#refill();
    if (s.rate !== undefined) this.#rate = s.rate;
    if (s.interval !== undefined) this.#interval = s.interval;
    if (s.maxWait !== undefined) this.#maxWait = s.maxWait;
    if (s.burst !== undefined) this.#burst = s.burst;
    else if (this.#burstFollowsRate && s.rate !== undefined) this.#burst = followRate(s.rate);
    this.#tokens = Math.min(this.#burst, this.#tokens);
  }

  /** Whole tokens free now (0 while callers wait for one). */
  get available(): number {
    this.#refill();
    return Math.max(0, Math.floor(this.#tokens));
  }

  /** Callers waiting for a token now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Takes a token if one is free now; never waits and never rejects. */
  tryAcquire(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Takes a token, waiting for it when `maxWait` allows. Rejects with `RateLimitedError` at once
   * when the wait would be longer, and with the signal's reason when `signal` aborts (the
   * promised token then goes back to the bucket).
   */
  acquire(options?: ExecuteOptions): Promise<void> {
    const signal = readSignal(options);
    if (signal instanceof Promise) return signal; // the call is refused
    const wait = this.#waitForToken();
    if (wait > this.#maxWait) return Promise.reject(this.#rejected(wait));
    this.#takeToken(wait);
    if (wait === 0) return Promise.resolve();
    return this.#wait(wait, signal);
  }

  /**
   * Runs `fn` once it has a token (see `acquire`). `fn` receives the caller's signal. Rejects
   * with a `TypeError` naming `fn` when it is not a function.
   */
  execute<T>(fn: (context: ExecuteContext) => Awaitable<T>, options?: ExecuteOptions): Promise<T> {
    if (typeof fn !== 'function') return notATask(fn);
    const signal = readSignal(options);
    if (signal instanceof Promise) return signal; // the call is refused
    const wait = this.#waitForToken();
    if (wait > this.#maxWait) return Promise.reject(this.#rejected(wait));
    this.#takeToken(wait);
    const context = signal === undefined ? NO_SIGNAL : { signal };
    if (wait === 0) return invoke(fn, context);
    return this.#wait(wait, signal).then(() => invoke(fn, context));
  }

  #refill(): void {
    const now = this.#clock.now();
    // the clock never goes back (a steady clock counts a step back as no time passed, so the
    // bucket fills from now rather than once the clock is back at its old reading)
    if (now <= this.#last) return;
    // multiply before dividing so whole intervals give whole tokens, without rounding drift
    const added = ((now - this.#last) * this.#rate) / this.#interval;
    this.#tokens = Math.min(this.#burst, this.#tokens + added);
    this.#last = now;
  }

  /**
   * Refills the bucket; answers how long until the next token is this caller's, in ms (0: now):
   * the first hole still to come, if there is one and no token is free now.
   */
  #waitForToken(): number {
    this.#refill();
    this.#hole = undefined;
    const tokens = this.#tokens;
    if (tokens >= 1) return 0;
    const now = this.#last;
    this.#hole = this.#holes.find((due) => due >= now);
    if (this.#hole !== undefined) return this.#hole - now;
    return ((1 - tokens) * this.#interval) / this.#rate;
  }

  /**
   * Takes the token `#waitForToken` just answered `wait` for: a hole's, or one not free yet,
   * promised to this caller (the bucket goes below zero) with the newest ticket.
   */
  #takeToken(wait: number): void {
    const hole = this.#hole;
    if (hole !== undefined) {
      this.#holes.splice(this.#holes.indexOf(hole), 1);
      return;
    }
    this.#tokens -= 1;
    if (wait > 0) this.#lastTicket++;
  }

  /**
   * Called right after `#takeToken` promised a token: the newest ticket is this caller's, unless
   * it took a hole.
   */
  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const ticket = this.#hole === undefined ? this.#lastTicket : -1;
    this.#hole = undefined;
    const due = this.#last + ms;
    this.#waiting++;
    try {
      await sleep(ms, { signal, clock: this.#clock });
      // admitted: the holes ahead of this caller were spent
      const holes = this.#holes;
      while (holes.length > 0 && (holes[0] as number) <= due) holes.shift();
    } catch (error) {
      // Hand the promised token back only when nobody reserved after this caller: a later
      // waiter's time was computed behind this one and does not move up, so giving the token
      // to a newcomer then would let two calls through in one slot. Its time is a hole instead.
      let handBack = 0;
      if (ticket === this.#lastTicket) {
        this.#lastTicket--;
        handBack = 1;
      } else this.#addHole(due);
      // the last waiter leaves: nobody's time is computed behind the holes any more
      if (this.#waiting === 1) {
        handBack += this.#holes.length;
        this.#holes = [];
      }
      this.#tokens = Math.min(this.#burst, this.#tokens + handBack);
      throw error;
    } finally {
      this.#waiting--;
    }
  }

  #addHole(due: number): void {
    const holes = this.#holes;
    let i = holes.length;
    while (i > 0 && (holes[i - 1] as number) > due) i--;
    holes.splice(i, 0, due);
  }

  #rejected(retryAfter: number): RateLimitedError {
    if (this.#onReject?.hasListeners) {
      this.#onReject.emit({ name: this.#name, reason: 'rate-limited', retryAfter });
    }
    return new RateLimitedError(retryAfter, this.#name);
  }
}
