import { randomUUID } from 'node:crypto';
import {
  type Clock,
  defaultName,
  type Event,
  EventEmitter,
  format,
  reportListenerError,
  resolveOptions,
  steadyClock,
  type TimerHandle,
  validate,
} from '@dyno/core';
import type { Redis } from 'ioredis';
import { FleetOpenError } from './errors.js';
import type { FleetRedisErrorEvent, FleetViewEvent } from './events.js';
import { runScript } from './internal/run.js';
import { BEAT_SCRIPT, LEAVE_SCRIPT } from './internal/scripts.js';
import { FleetView, isQuorum } from './internal/view.js';
import {
  DEFAULT_FLEET_CIRCUIT_OPTIONS,
  DEFAULT_QUORUM_OPTIONS,
  FLEET_RULES,
  type FleetBreaker,
  type FleetCircuitOptions,
  QUORUM_RULES,
} from './options.js';

const PKG = '@dyno/breaker-redis';

type Resolved = typeof DEFAULT_FLEET_CIRCUIT_OPTIONS & FleetCircuitOptions;

/**
 * Shares one circuit's knowledge between the processes that guard the same dependency, through
 * Redis. Each process keeps its own `CircuitBreaker`; this publishes the breaker's state with a
 * heartbeat membership and keeps a local view of the fleet, updated by pub/sub and heartbeats.
 * When a quorum of live members (`quorum.min` and `quorum.ratio` of them) report the circuit
 * open, it isolates its closed breaker, and lets go when they recover. No call ever waits for
 * Redis: calls go through the breaker, which never asks. When Redis is out of reach for
 * `memberTtl`, the view is dropped and the breaker works alone; it rejoins when Redis is back.
 *
 * ```ts
 * const breaker = new CircuitBreaker({ name: 'payments' });
 * const fleet = new FleetCircuit({ breaker, client: new Redis() });
 * ```
 */
export class FleetCircuit {
  readonly #name: string;
  readonly #id: string;
  readonly #breaker: FleetBreaker;
  readonly #client: Redis;
  readonly #subscriber: Redis;
  readonly #ownsSubscriber: boolean;
  readonly #clock: Clock;
  readonly #keys: readonly [string, string];
  readonly #channel: string;
  readonly #heartbeat: number;
  readonly #timeout: number;
  readonly #min: number;
  readonly #ratio: number;
  readonly #view: FleetView;
  readonly #stateListener: { dispose(): void };
  readonly #onView: EventEmitter<FleetViewEvent>;
  readonly #onRedisError: EventEmitter<FleetRedisErrorEvent>;

  #isolation: { dispose(): void } | undefined;
  #timer: TimerHandle | undefined;
  #beating = false;
  // the breaker changed state while a heartbeat ran: publish right after it
  #changed = false;
  #owed = true; // the next heartbeat publishes (the first one announces this member)
  #lastAnswer = Number.NEGATIVE_INFINITY;
  #last: FleetViewEvent | undefined;
  #disposed = false;

  /** Fires when the view of the fleet changes (live, open, isolating, connected). */
  readonly onView: Event<FleetViewEvent>;
  /** Fires when a Redis command of the fleet fails or is late (never a call's). */
  readonly onRedisError: Event<FleetRedisErrorEvent>;

  /** @throws TypeError or RangeError for bad options */
  constructor(options: FleetCircuitOptions) {
    const o = resolveOptions<Resolved>(
      PKG,
      options,
      FLEET_RULES as never,
      DEFAULT_FLEET_CIRCUIT_OPTIONS as Resolved,
    );
    for (const required of ['breaker', 'client'] as const) {
      if (o[required] === undefined) {
        throw new TypeError(`${PKG}: option \`${required}\` is required; received undefined`);
      }
    }
    if (o.memberTtl !== undefined && o.memberTtl <= o.heartbeat) {
      throw new RangeError(
        `${PKG}: option \`memberTtl\` must be longer than \`heartbeat\` (${o.heartbeat}), or a member counts as gone between its heartbeats; received ${o.memberTtl}`,
      );
    }
    const quorum = {
      ...DEFAULT_QUORUM_OPTIONS,
      ...validate(PKG, o.quorum, QUORUM_RULES, 'quorum.'),
    };
    this.#name = o.name ?? defaultName('fleet-circuit');
    // named, so a listener that throws is reported by @dyno/core as this fleet's
    this.#onView = new EventEmitter(this.#source('onView'));
    this.#onRedisError = new EventEmitter(this.#source('onRedisError'));
    this.onView = this.#onView.event;
    this.onRedisError = this.#onRedisError.event;
    this.#id = o.id ?? randomUUID();
    this.#breaker = o.breaker;
    this.#client = o.client;
    // a clock of the user's own may read NaN or step back: the view would then never fade, and
    // an isolation would outlive Redis by the whole step, or for good
    this.#clock = steadyClock(o.clock, PKG, this.#name);
    this.#heartbeat = o.heartbeat;
    this.#timeout = o.timeout;
    this.#min = quorum.min;
    this.#ratio = quorum.ratio;
    this.#view = new FleetView(o.memberTtl ?? 3 * o.heartbeat);
    const base = `${o.prefix}${o.circuit ?? o.breaker.name}`;
    this.#keys = [`${base}:members`, `${base}:states`];
    this.#channel = busChannel(o.client, base);
    // before any connection or listener of ours exists: if the breaker throws here, the
    // construction fails without leaving a subscriber open or listeners on a given one
    this.#stateListener = o.breaker.onStateChange(this.#onStateChange);
    if (typeof this.#stateListener?.dispose !== 'function') {
      this.#disposed = true; // the listener we could not remove then does nothing
      throw new TypeError(
        `${PKG}: option \`breaker\`'s \`onStateChange\` must return a Disposable; received ${format(this.#stateListener)}`,
      );
    }
    this.#ownsSubscriber = o.subscriber === undefined;
    // subscribed again on 'ready' by this fleet, which handles the answer. ioredis's own
    // resubscription holds no handler: a dispose during a reconnect's ready check rejected it
    // ("Connection is closed.") as an unhandled rejection, which ends a Node process. Its
    // offline queue is on whatever the client's: only SUBSCRIBE ever waits in it, and without it
    // the first one was refused while connecting, an error reported at every start
    this.#subscriber =
      o.subscriber ?? o.client.duplicate({ autoResubscribe: false, enableOfflineQueue: true });
    if (!this.#ownsSubscriber) joinChannel(this.#subscriber, this.#channel);
    this.#subscriber.on('message', this.#onMessage);
    this.#subscriber.on('error', this.#ignore);
    this.#subscriber.on('ready', this.#subscribe);
    this.#subscribe();
    this.#beat();
  }

  /** The instance name used in events. */
  get name(): string {
    return this.#name;
  }

  /** This member's id in the fleet. */
  get id(): string {
    return this.#id;
  }

  /** True while the quorum holds the breaker isolated. */
  get isolating(): boolean {
    return this.#isolation !== undefined;
  }

  /** What this process knows of the fleet now. */
  get view(): FleetViewEvent {
    return this.#snapshot();
  }

  /**
   * Leaves the fleet: stops the heartbeat, ends an isolation it holds, unsubscribes (closing a
   * subscriber it made) and removes this member from Redis (best effort). Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stateListener.dispose();
    this.#release();
    this.#subscriber.off('message', this.#onMessage);
    this.#subscriber.off('ready', this.#subscribe);
    // a subscriber the user gave outlives this fleet: leave it no listener of ours
    this.#subscriber.off('error', this.#ignore);
    if (this.#ownsSubscriber) this.#subscriber.disconnect();
    else if (leaveChannel(this.#subscriber, this.#channel)) {
      this.#subscriber.unsubscribe(this.#channel).catch(this.#ignore);
    }
    runScript(this.#client, this.#clock, this.#timeout, LEAVE_SCRIPT, this.#keys, [
      this.#id,
      this.#channel,
    ]).catch((error: unknown) => this.#error('leave', error));
  }

  #published(): string {
    // isolation by the fleet (or by hand) is not this member's own finding: it never counts
    const state = this.#breaker.state;
    return state === 'isolated' || state === 'disabled' || state === 'half-open' || state === 'open'
      ? state
      : 'closed';
  }

  #beat(): void {
    if (this.#disposed) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#beat(), this.#heartbeat);
    unref(this.#timer);
    if (this.#beating) return;
    this.#beating = true;
    this.#changed = false;
    const publish = this.#owed;
    this.#owed = false;
    const args = [this.#id, this.#published(), this.#view.ttl, this.#channel, publish ? '1' : '0'];
    runScript<unknown[]>(this.#client, this.#clock, this.#timeout, BEAT_SCRIPT, this.#keys, args)
      .then(
        (flat) => {
          this.#lastAnswer = this.#clock.now();
          if (!this.#disposed)
            this.#view.replace(Array.isArray(flat) ? flat : [], this.#lastAnswer);
        },
        (error: unknown) => {
          if (publish) this.#owed = true;
          this.#error('heartbeat', error);
        },
      )
      .finally(() => {
        this.#beating = false;
        this.#judge();
        // a state change while this beat ran is published at once (a failed publish waits for
        // the next heartbeat, so a Redis that refuses at once is not asked in a loop)
        if (this.#changed && !this.#disposed) this.#beat();
      });
  }

  /** Isolates or releases the breaker from the view, and tells listeners what changed. */
  #judge(): void {
    if (this.#disposed) return;
    const now = this.#clock.now();
    if (now - this.#lastAnswer > this.#view.ttl) this.#view.clear();
    const { live, open } = this.#view.count(now);
    if (isQuorum(open, live, this.#min, this.#ratio)) {
      if (this.#isolation === undefined && this.#breaker.state === 'closed') {
        const reason = new FleetOpenError(open, live, this.#name);
        const isolation = this.#user('breaker.isolate', () => this.#breaker.isolate(reason));
        // a listener of the isolation may have ended it already (`close()` in `onBreak`): then
        // it is not held, and the next view isolates again while the quorum holds (typed wide:
        // TypeScript still takes the state for the 'closed' read above)
        const state: string = this.#breaker.state;
        this.#isolation = state === 'isolated' ? isolation : undefined;
      }
    } else {
      this.#release();
    }
    const view = this.#snapshot();
    const last = this.#last;
    this.#last = view;
    if (
      this.#onView.hasListeners &&
      (last === undefined ||
        last.live !== view.live ||
        last.open !== view.open ||
        last.isolating !== view.isolating ||
        last.connected !== view.connected)
    ) {
      this.#onView.emit(view);
    }
  }

  #release(): void {
    const isolation = this.#isolation;
    this.#isolation = undefined;
    if (isolation !== undefined) this.#user('isolation.dispose', () => isolation.dispose());
  }

  /**
   * Calls the user's breaker (any object with its shape). What it throws is reported like a
   * listener's error: it runs in a heartbeat's settlement, a pub/sub message or `dispose()`,
   * where a throw would be an unhandled rejection, break ioredis's reply parsing, or stop
   * `dispose()` before it unsubscribes and leaves. Undefined when it threw.
   */
  #user<T>(what: string, call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      reportListenerError(error, this.#source(what));
      return undefined;
    }
  }

  #source(what: string): string {
    return `${PKG} "${this.#name}" ${what}`;
  }

  #snapshot(): FleetViewEvent {
    const now = this.#clock.now();
    const { live, open } = this.#view.count(now);
    return {
      name: this.#name,
      live,
      open,
      isolating: this.#isolation !== undefined,
      connected: now - this.#lastAnswer <= this.#view.ttl,
    };
  }

  #error(during: FleetRedisErrorEvent['during'], error: unknown): void {
    if (this.#onRedisError.hasListeners)
      this.#onRedisError.emit({ name: this.#name, during, error });
  }

  readonly #onStateChange = (event: { readonly to: string }): void => {
    // the breaker left the isolation by itself (close(), reset(), disable()): it is not ours now
    if (this.#isolation !== undefined && event.to !== 'isolated') this.#isolation = undefined;
    this.#owed = true;
    if (this.#beating) this.#changed = true;
    else this.#beat();
  };

  readonly #subscribe = (): void => {
    if (this.#disposed) return;
    this.#subscriber.subscribe(this.#channel).catch((error: unknown) => {
      // a subscriber of ours closed by dispose() refuses the SUBSCRIBE it still had queued
      if (!this.#disposed) this.#error('subscribe', error);
    });
  };

  readonly #onMessage = (channel: string, text: string): void => {
    if (channel !== this.#channel || this.#disposed) return;
    let message: { i?: unknown; s?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch (error) {
      this.#error('message', error);
      return;
    }
    if (typeof message?.i !== 'string' || typeof message.s !== 'string') {
      this.#error('message', new TypeError(`not a fleet message: ${text.slice(0, 100)}`));
      return;
    }
    if (message.i === this.#id) return;
    this.#view.set(message.i, message.s, this.#clock.now());
    this.#judge();
  };

  readonly #ignore = (): void => {};
}

/**
 * The bus of the circuit whose keys start with `base`. A pub/sub channel belongs to the whole
 * server: ioredis puts its `keyPrefix` on keys but not on channels, and a `db` does not scope
 * one. Both go into the name, so fleets that share a server but not a keyspace (staging and
 * production told apart by either) never hear each other's breakers.
 */
function busChannel(client: Redis, base: string): string {
  const keyPrefix = client.options?.keyPrefix ?? '';
  // the db the client is on now: `SELECT` moves it off its `db` option (ioredis keeps it, to
  // select it again after a reconnect, in `condition`, which is null until it first connects)
  const db = client.condition?.select ?? client.options?.db ?? 0;
  return `${keyPrefix}${base}:bus${db === 0 ? '' : `@${db}`}`;
}

/** Lets the process exit while only the heartbeat is left (Node timers have `unref`). */
function unref(handle: TimerHandle): void {
  (handle as { unref?: () => void }).unref?.();
}

/**
 * The fleets using each given subscriber, per channel: two fleets of one circuit may share a
 * subscriber, and the first to leave must not unsubscribe the other from the bus.
 */
const channelUsers = new WeakMap<Redis, Map<string, number>>();

function joinChannel(subscriber: Redis, channel: string): void {
  let users = channelUsers.get(subscriber);
  if (users === undefined) {
    users = new Map();
    channelUsers.set(subscriber, users);
  }
  users.set(channel, (users.get(channel) ?? 0) + 1);
}

/** One fleet leaves `channel`; true when it was the last on this subscriber. */
function leaveChannel(subscriber: Redis, channel: string): boolean {
  const users = channelUsers.get(subscriber);
  const left = (users?.get(channel) ?? 1) - 1;
  if (left > 0) users?.set(channel, left);
  else users?.delete(channel);
  return left <= 0;
}
