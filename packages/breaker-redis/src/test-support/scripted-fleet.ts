import { EventEmitter } from 'node:events';
import { ManualClock } from '@dyno/core/testing';
import type { Redis } from 'ioredis';
import type { FleetRedisErrorEvent, FleetViewEvent } from '../events.js';
import { FleetCircuit } from '../fleet-circuit.js';
import type { FleetCircuitOptions } from '../options.js';
import { tripsAtOnce } from './breakers.js';

// A stand-in for ioredis whose heartbeat answers each test scripts: Redis up, down, hung. The
// fleet's decisions on those answers are what such tests are about; what Redis stores and
// publishes is tested on a real server.
export class FakeSubscriber extends EventEmitter {
  subscribe = jest.fn(() => Promise.resolve(1));
  unsubscribe = jest.fn(() => Promise.resolve(1));
  disconnect = jest.fn();
}

/** Three other members report open: a quorum of 3 of 4. */
export const QUORUM = ['me', 'closed', 'a', 'open', 'b', 'open', 'c', 'half-open'];

/** A FleetCircuit named `fleet`, member `me`, on a manual clock, whose heartbeats `answer`. */
export function scriptedFleet(
  answer: (args: unknown[]) => unknown,
  options: Partial<FleetCircuitOptions> = {},
) {
  const clock = new ManualClock();
  const subscriber = new FakeSubscriber();
  const client = {
    status: 'ready',
    evalsha: jest.fn((...args: unknown[]) => answer(args)),
    eval: jest.fn(),
    publish: jest.fn(),
    duplicate: jest.fn(() => subscriber),
  };
  const breaker = tripsAtOnce('dep', clock);
  const fleet = new FleetCircuit({
    breaker,
    client: client as unknown as Redis,
    clock,
    heartbeat: 100,
    id: 'me',
    name: 'fleet',
    ...options,
  });
  const views: FleetViewEvent[] = [];
  const errors: FleetRedisErrorEvent[] = [];
  fleet.onView((v) => views.push(v));
  fleet.onRedisError((e) => errors.push(e));
  return { clock, client, subscriber, breaker, fleet, views, errors };
}
