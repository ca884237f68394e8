import { EventEmitter } from 'node:events';
import { CircuitBreaker } from '@dyno/breaker';
import { FleetCircuit, FleetOpenError } from '@dyno/breaker-redis';

/**
 * Uses @dyno/breaker-redis without a server (and without ioredis, which this workspace does not
 * depend on): a stand-in client whose heartbeat answers that two of three members are open, so
 * the fleet isolates this process's breaker; dispose() leaves nothing running.
 */
export async function use() {
  const subscriber = Object.assign(new EventEmitter(), {
    subscribe: async () => 1,
    unsubscribe: async () => 1,
    disconnect: () => {},
  });
  const client = {
    status: 'ready',
    evalsha: async () => ['me', 'closed', 'a', 'open', 'b', 'open'],
    eval: async () => 1,
    publish: async () => 1,
    duplicate: () => subscriber,
  };
  const breaker = new CircuitBreaker({ name: 'usage' });
  const fleet = new FleetCircuit({ breaker, client, id: 'me' });
  await new Promise((r) => setImmediate(r));
  const refused = await breaker.execute(() => 1).catch((e) => e);
  if (breaker.state !== 'isolated' || !FleetOpenError.isInstance(refused?.reason)) {
    throw new Error(`the quorum did not isolate the breaker (${breaker.state})`);
  }
  fleet.dispose();
  if (breaker.state !== 'closed') throw new Error('dispose did not release the isolation');
}
