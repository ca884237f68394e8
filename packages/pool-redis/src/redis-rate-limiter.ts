import {
  type Awaitable,
  abortReason,
  type Clock,
  checkFunction,
  checkOptions,
  defaultName,
  type Event,
  EventEmitter,
  type ExecuteContext,
  invoke,
  NEVER_ABORTED,
  type Policy,
  resolveOptions,
  sleep,
  steadyClock,
  untilAborted,
  validate,
} from '@dyno/core';
import { RateLimitedError } from '@dyno/pool';
import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import type { DecisionSource, RateDecisionEvent, RedisRateErrorEvent } from './events.js';
import { Guard, Unavailable } from './internal/guard.js';
import { LocalGcra } from './internal/local-gcra.js';
import { DECIDE_SCRIPT, REFUND_SCRIPT, type Script } from './internal/scripts.js';
import { StrandedTurns } from './internal/stranded-turns.js';
import {
  CALL_RULES,
  DEFAULT_REDIS_RATE_CIRCUIT_OPTIONS,
  DEFAULT_REDIS_RATE_LIMITER_OPTIONS,
  RATE_CIRCUIT_RULES,
  RATE_RULES,
  type RedisRateLimiterOptions,
  type RedisRateLimitOptions,
  type WhenUnavailable,
} from './options.js';

const PKG = '@dyno/pool-redis';
const DEFAULT_KEY = 'default';
// after a key's Redis key: the sorted set of the turns given up behind a later one (see `REFUND`)
const GIVEN_UP = '\u0000given-up';
const ignore = (): void => {};

type Resolved = typeof DEFAULT_REDIS_RATE_LIMITER_OPTIONS & RedisRateLimiterOptions;

/** A call's options, read once (a getter runs once) and checked. */
interface Call {
  readonly key: string;
  readonly signal: AbortSignal | undefined;
}

/** @throws TypeError or RangeError naming the option, for options of the wrong kind or range */
function readCall(options: RedisRateLimitOptions | undefined): Call {
  checkOptions(PKG, options);
  const read = validate(PKG, options, CALL_RULES);
  return { key: read.key ?? DEFAULT_KEY, signal: read.signal };
}

/** An admission: the wait before the call runs, and how to give its turn back. */
interface Admission {
  readonly wait: number;
  readonly source: DecisionSource;
  /** The TAT this admission wrote (Redis: its text; local: the number), for a refund. */
  readonly tat: string | number | undefined;
}

/**
 * A rate limit shared by every process on one Redis: `rate` admissions per `interval` and at most
 * `burst` at once, per key. Each call is decided in one atomic round trip (a GCRA script on
 * Redis's own clock). Without a free turn a call is rejected at once with `@dyno/pool`'s
 * `RateLimitedError` (carrying `retryAfter`), or, with `maxWait`, waits for its turn. A decision
 * waits at most `timeout` for Redis; then `whenUnavailable` decides it.
 *
 * ```ts
 * const limiter = new RedisRateLimiter({ client: new Redis(), rate: 100, processes: 4 });
 * await limiter.execute(() => api.call(), { key: `tenant:${tenant}` });
 * ```
 */
export class RedisRateLimiter implements Policy {
  readonly #name: string;
  readonly #client: Redis;
  readonly #o: Resolved;
  readonly #burst: number;
  readonly #step: number;
  readonly #clock: Clock;
  readonly #guard: Guard;
  readonly #local: LocalGcra;
  readonly #stranded = new StrandedTurns();
  readonly #onDecision: EventEmitter<RateDecisionEvent>;
  readonly #onRedisError: EventEmitter<RedisRateErrorEvent>;

  /** Fires for every decision (admitted or refused), with who made it. */
  readonly onDecision: Event<RateDecisionEvent>;
  /** Fires when Redis fails or is too slow to decide a call (or to take back a turn). */
  readonly onRedisError: Event<RedisRateErrorEvent>;

  /** @throws TypeError or RangeError for bad options */
  constructor(options: RedisRateLimiterOptions) {
    if (options === undefined || options === null) {
      throw new TypeError(
        `${PKG}: options must be an object with a \`client\`; received ${options}`,
      );
    }
    const o = resolveOptions<Resolved>(
      PKG,
      options,
      RATE_RULES as never,
      DEFAULT_REDIS_RATE_LIMITER_OPTIONS as Resolved,
    );
    if (o.client === undefined) {
      throw new TypeError(
        `${PKG}: option \`client\` must be an ioredis client; received undefined`,
      );
    }
    const circuit =
      o.circuit === false
        ? false
        : {
            ...DEFAULT_REDIS_RATE_CIRCUIT_OPTIONS,
            ...validate(`${PKG}`, o.circuit, RATE_CIRCUIT_RULES, 'circuit.'),
          };
    this.#o = o;
    this.#name = o.name ?? defaultName('redis-rate-limiter');
    // names the limiter when one of its listeners throws (core reports it; the call goes on)
    const source = (event: string) => `${PKG} ${JSON.stringify(this.#name)} ${event}`;
    this.#onDecision = new EventEmitter(source('onDecision'));
    this.#onRedisError = new EventEmitter(source('onRedisError'));
    this.onDecision = this.#onDecision.event;
    this.onRedisError = this.#onRedisError.event;
    this.#client = o.client;
    // a clock of the user's own may read NaN or step back: the local fallback's bucket would
    // then admit every call for good, or refuse every call until the clock is back where it was
    this.#clock = steadyClock(o.clock, PKG, this.#name);
    this.#burst = o.burst ?? Math.max(1, Math.ceil(o.rate));
    this.#step = o.interval / o.rate;
    const processes = o.processes;
    this.#local = new LocalGcra(
      this.#step * processes,
      Math.max(1, Math.ceil(this.#burst / processes)),
    );
    this.#guard = new Guard({ name: this.#name, clock: this.#clock, timeout: o.timeout, circuit });
  }

  /** The instance name used in events and errors. */
  get name(): string {
    return this.#name;
  }

  /** Admissions per `interval` for each key, over the fleet. */
  get rate(): number {
    return this.#o.rate;
  }

  /** The period `rate` is counted over, in ms. */
  get interval(): number {
    return this.#o.interval;
  }

  /** The most admissions at once per key. */
  get burst(): number {
    return this.#burst;
  }

  /** How long a call may wait for its turn, in ms. */
  get maxWait(): number {
    return this.#o.maxWait;
  }

  /** What decides while Redis cannot. */
  get whenUnavailable(): WhenUnavailable {
    return this.#o.whenUnavailable;
  }

  /** `closed` while Redis decides, `open` while it is skipped after failures, `half-open` between. */
  get redisState(): 'closed' | 'open' | 'half-open' {
    return this.#guard.state;
  }

  /**
   * Takes a turn for `key`, waiting for it when `maxWait` allows. Rejects with
   * `RateLimitedError` when the turn is further away, with `RedisUnavailableError` when Redis
   * cannot decide and `whenUnavailable` is `'refuse'`, and with the signal's reason when it aborts
   * (a turn already taken is given back when no later caller took one after it).
   */
  acquire(options?: RedisRateLimitOptions): Promise<void> {
    let call: Call;
    try {
      call = readCall(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#admit(call.key, call.signal);
  }

  /**
   * Runs `fn` once it has a turn (see `acquire`). `fn` receives the caller's signal. Rejects
   * with a `TypeError` naming `fn` when it is not a function.
   */
  execute<T>(
    fn: (context: ExecuteContext) => Awaitable<T>,
    options?: RedisRateLimitOptions,
  ): Promise<T> {
    let call: Call;
    try {
      checkFunction(PKG, 'fn', fn);
      call = readCall(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { key, signal } = call;
    return this.#admit(key, signal).then(() => invoke(fn, { signal: signal ?? NEVER_ABORTED }));
  }

  async #admit(key: string, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) throw abortReason(signal);
    const decision = this.#decide(key);
    // a caller that aborts while Redis decides gives back the turn it may still be given
    const admission = await untilAborted(decision, signal, () => {
      decision.then((late) => this.#refund(key, late.tat), ignore);
    });
    if (admission.wait === 0) return;
    try {
      await sleep(admission.wait, { signal, clock: this.#clock });
    } catch (error) {
      this.#refund(key, admission.tat);
      throw error;
    }
  }

  async #decide(key: string): Promise<Admission> {
    const { maxWait } = this.#o;
    let reply: [number, string, string?];
    try {
      reply = await this.#guard.run(this.#client, () =>
        this.#eval(DECIDE_SCRIPT, key, this.#step, this.#burst, maxWait),
      );
    } catch (error) {
      this.#reportError(key, 'decide', error);
      return this.#fallback(key, error);
    }
    const [admitted, ms, tat] = reply;
    const wait = Number(ms);
    if (admitted !== 1) throw this.#refused(key, wait, 'redis');
    this.#emit(key, true, wait, 'redis');
    return { wait, source: 'redis', tat };
  }

  #fallback(key: string, error: unknown): Admission {
    const mode = this.#o.whenUnavailable;
    if (mode === 'allow') {
      this.#emit(key, true, 0, 'allow');
      return { wait: 0, source: 'allow', tat: undefined };
    }
    if (mode === 'refuse') {
      this.#emit(key, false, 0, 'refuse');
      throw this.#unavailable(error);
    }
    const wait = this.#local.decide(key, this.#clock.now(), this.#o.maxWait);
    if (wait < 0) throw this.#refused(key, -wait, 'local');
    this.#emit(key, true, wait, 'local');
    return { wait, source: 'local', tat: this.#local.tat(key) };
  }

  #unavailable(error: unknown): RedisUnavailableError {
    const why = error instanceof Unavailable ? error : new Unavailable('Redis failed', error);
    return new RedisUnavailableError(why.message, this.#name, why.cause);
  }

  /**
   * Gives back the turn a caller left: at once when no turn stands after it, else once the turns
   * after it are given back. Redis keeps such turns for the fleet (see `REFUND`); the local
   * fallback's are kept here (`StrandedTurns`).
   */
  #refund(key: string, tat: string | number | undefined): void {
    if (typeof tat === 'number') {
      try {
        this.#refundLocal(key, tat);
      } catch (error) {
        this.#reportError(key, 'refund', error);
      }
    } else if (typeof tat === 'string') {
      this.#guard
        .run(this.#client, () => this.#eval(REFUND_SCRIPT, key, tat, this.#step))
        .catch((error: unknown) => this.#reportError(key, 'refund', error));
    }
  }

  #refundLocal(key: string, tat: number): void {
    const now = this.#clock.now();
    if (!this.#local.refund(key, tat)) {
      // within maxWait of its decision, the turn would have come anyway
      this.#stranded.add(key, tat, now + this.#o.maxWait, now);
      return;
    }
    const before = this.#stranded.take(key, now);
    if (before !== undefined) this.#refundLocal(key, before);
  }

  /**
   * EVALSHA, loading the script with EVAL when Redis does not know it (yet, or any more), on the
   * key of `key` and the set of its given-up turns.
   */
  async #eval<T>(script: Script, key: string, ...args: (string | number)[]): Promise<T> {
    const redisKey = this.#o.prefix + key;
    const givenUp = `${redisKey}${GIVEN_UP}`;
    try {
      return (await this.#client.evalsha(script.sha, 2, redisKey, givenUp, ...args)) as T;
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return (await this.#client.eval(script.body, 2, redisKey, givenUp, ...args)) as T;
    }
  }

  #refused(key: string, retryAfter: number, source: DecisionSource): RateLimitedError {
    this.#emit(key, false, retryAfter, source);
    return new RateLimitedError(retryAfter, this.#name);
  }

  #emit(key: string, admitted: boolean, wait: number, source: DecisionSource): void {
    if (this.#onDecision.hasListeners) {
      this.#onDecision.emit({ name: this.#name, key, admitted, wait, source });
    }
  }

  #reportError(key: string, during: 'decide' | 'refund', error: unknown): void {
    if (this.#onRedisError.hasListeners) {
      this.#onRedisError.emit({ name: this.#name, key, during, error: this.#unavailable(error) });
    }
  }
}
