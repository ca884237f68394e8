import { type Clock, is, type Rule, type Rules, systemClock } from '@dyno/core';
import type { Redis } from 'ioredis';

/** How many live members must report the circuit open before the others isolate. */
export interface QuorumOptions {
  /**
   * At least this many members (open or half-open).
   * @default 2
   */
  readonly min?: number;
  /**
   * And at least this share of the live members (this process included).
   * @default 0.5
   */
  readonly ratio?: number;
}

/** The part of a `CircuitBreaker` the fleet needs (structural, so any copy of it works). */
export interface FleetBreaker {
  readonly name: string;
  readonly state: string;
  isolate(reason?: unknown): { dispose(): void };
  onStateChange(listener: (event: { readonly to: string }) => void): { dispose(): void };
}

/** Options of `FleetCircuit`. */
export interface FleetCircuitOptions {
  /** This process's breaker for the dependency (required). */
  readonly breaker: FleetBreaker;
  /** The ioredis client for commands and publishing (required). The fleet never closes it. */
  readonly client: Redis;
  /**
   * The connection that subscribes; one you pass is never closed.
   * @default client.duplicate()
   */
  readonly subscriber?: Redis;
  /**
   * The circuit's name in Redis: every process guarding the same dependency uses the same one.
   * @default the breaker's name
   */
  readonly circuit?: string;
  /**
   * Put in front of every Redis key and channel.
   * @default "dyno:fleet:"
   */
  readonly prefix?: string;
  /**
   * This member's id in the fleet.
   * @default a random id
   */
  readonly id?: string;
  /**
   * Ms between heartbeats (each also refreshes this process's view of the fleet).
   * @default 1000
   */
  readonly heartbeat?: number;
  /**
   * Ms without a heartbeat after which a member counts as gone, and after which this process,
   * unable to reach Redis, forgets the fleet and works alone.
   * Must be longer than `heartbeat` (`RangeError`).
   * @default 3 × heartbeat
   */
  readonly memberTtl?: number;
  /**
   * When the others count as "the circuit is open".
   * @default { min: 2, ratio: 0.5 }
   */
  readonly quorum?: QuorumOptions;
  /**
   * The longest one Redis command may take, in ms (never on a call's path).
   * @default 500
   */
  readonly timeout?: number;
  /**
   * The instance name used in events and errors.
   * @default "fleet-circuit#<n>"
   */
  readonly name?: string;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** The defaults of `FleetCircuit`'s options (`memberTtl` follows `heartbeat`). */
export const DEFAULT_FLEET_CIRCUIT_OPTIONS: Readonly<{
  prefix: string;
  heartbeat: number;
  quorum: QuorumOptions;
  timeout: number;
  clock: Clock;
}> = Object.freeze({
  prefix: 'dyno:fleet:',
  heartbeat: 1000,
  quorum: Object.freeze({ min: 2, ratio: 0.5 }) as QuorumOptions,
  timeout: 500,
  clock: systemClock as Clock,
});

/** The defaults of the quorum, used when `quorum` leaves a field out. */
export const DEFAULT_QUORUM_OPTIONS: Readonly<Required<QuorumOptions>> = Object.freeze({
  min: 2,
  ratio: 0.5,
});

/** An object with the methods `keys` and, read once each, the string fields `strings`. */
const shape = (expected: string, keys: readonly string[], strings: readonly string[] = []): Rule =>
  Object.freeze({
    expected,
    test(v: unknown) {
      if (typeof v !== 'object' || v === null) return 'type';
      const o = v as Record<string, unknown>;
      const ok =
        keys.every((k) => typeof o[k] === 'function') &&
        strings.every((k) => typeof o[k] === 'string');
      return ok ? undefined : 'type';
    },
  });

/** @internal */
export const FLEET_RULES: Rules<FleetCircuitOptions> = Object.freeze({
  // without a `name` the circuit would be "undefined" in Redis, shared by every such breaker;
  // without a `state` it would never be isolated
  breaker: shape('a CircuitBreaker', ['isolate', 'onStateChange'], ['name', 'state']),
  client: shape('an ioredis client', ['evalsha', 'eval', 'publish', 'duplicate']),
  subscriber: shape('an ioredis client', ['subscribe', 'on']),
  circuit: is.string,
  prefix: is.string,
  id: is.string,
  heartbeat: is.duration(0, true),
  memberTtl: is.duration(0, true),
  quorum: is.object,
  timeout: is.duration(0, true),
  name: is.string,
  clock: is.clock,
});

/** @internal */
export const QUORUM_RULES: Rules<QuorumOptions> = Object.freeze({
  min: is.integer(1, 1e6),
  ratio: is.ratio(),
});
