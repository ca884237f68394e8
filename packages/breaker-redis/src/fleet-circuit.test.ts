import { BrokenCircuitError } from '@dyno/breaker';
import { redisForTests, type TestRedis, uniquePrefix, waitFor } from '@dyno-tools/testing';
import { Redis } from 'ioredis';
import { FleetOpenError } from './errors.js';
import type { FleetViewEvent } from './events.js';
import { FleetCircuit } from './fleet-circuit.js';
import { fail, tripsAtOnce } from './test-support/breakers.js';
import { heartbeats } from './test-support/heartbeats.js';

// Members of one fleet in this process, each with its own breaker, client and subscriber, on a
// real Redis (pub/sub needs one); heartbeats every 100 ms.
let server: TestRedis;
const prefix = uniquePrefix('fleet');
const clients: Redis[] = [];
const fleets: FleetCircuit[] = [];
let circuitNo = 0;

beforeAll(async () => {
  server = await redisForTests();
});

afterEach(() => {
  for (const f of fleets.splice(0)) f.dispose();
});

afterAll(async () => {
  const admin = new Redis(server.url);
  // dispose() sent each member's leave script: once all ran, no circuit has members left
  await waitFor(
    async () => (await admin.keys(`${prefix}*:members`)).length === 0,
    'every member left',
  );
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  for (const c of clients) c.disconnect();
  await server.stop();
});

function fleetOf(size: number, options: { quorum?: { min?: number; ratio?: number } } = {}) {
  const circuit = `c${++circuitNo}`;
  return Array.from({ length: size }, (_, i) => {
    const breaker = tripsAtOnce(`m${i}`);
    const client = new Redis(server.url);
    clients.push(client);
    const fleet = new FleetCircuit({
      breaker,
      client,
      prefix,
      circuit,
      id: `m${i}`,
      heartbeat: 100,
      name: `fleet-m${i}`,
      ...options,
    });
    fleets.push(fleet);
    return { breaker, fleet };
  });
}

describe('FleetCircuit on a real Redis', () => {
  it('sees every live member after a heartbeat', async () => {
    const members = fleetOf(5);
    await waitFor(() => members.every((m) => m.fleet.view.live === 5), 'all see 5 live');
    expect(members[0]?.fleet.view).toEqual({
      name: 'fleet-m0',
      live: 5,
      open: 0,
      isolating: false,
      connected: true,
    });
  });

  it('never lets one sick member open the others', async () => {
    const members = fleetOf(5);
    await waitFor(() => members.every((m) => m.fleet.view.live === 5), 'all see 5 live');
    await fail(members[0]!.breaker);
    await waitFor(() => members.every((m) => m.fleet.view.open === 1), 'all see 1 open');
    // two heartbeats of everyone later nothing changed
    const watcher = new Redis(server.url);
    clients.push(watcher);
    const ids = members.map((m) => m.fleet.id);
    await heartbeats(watcher, `${prefix}c${circuitNo}:members`, ids, 2);
    expect(members.map((m) => m.breaker.state)).toEqual([
      'open',
      'closed',
      'closed',
      'closed',
      'closed',
    ]);
  });

  it('isolates the others when a quorum opens, and lets go when they recover', async () => {
    const members = fleetOf(5);
    await waitFor(() => members.every((m) => m.fleet.view.live === 5), 'all see 5 live');
    const views: FleetViewEvent[] = [];
    members[4]!.fleet.onView((v) => views.push(v));
    for (const m of members.slice(0, 3)) await fail(m.breaker);
    const took = await waitFor(
      () => members.slice(3).every((m) => m.breaker.state === 'isolated'),
      'the two others isolate',
    );
    expect(took).toBeLessThan(1000);
    const refused = await members[3]!.breaker.execute(() => 1).catch((e: unknown) => e);
    expect(BrokenCircuitError.isInstance(refused)).toBe(true);
    const reason = (refused as BrokenCircuitError).reason as FleetOpenError;
    expect(FleetOpenError.isInstance(reason)).toBe(true);
    expect(reason).toMatchObject({ open: 3, live: 5, source: 'fleet-m3' });
    expect(members[3]!.fleet.isolating).toBe(true);
    expect(views.at(-1)).toMatchObject({ open: 3, live: 5, isolating: true });
    // isolated members never count as open: the quorum stays at the three that found it
    expect(members[3]!.fleet.view.open).toBe(3);

    for (const m of members.slice(0, 3)) m.breaker.close();
    await waitFor(
      () => members.every((m) => m.breaker.state === 'closed'),
      'everyone closed again',
      { within: 1000 },
    );
    expect(members[4]!.fleet.isolating).toBe(false);
  });

  it('isolates a member that recovers on its own while the quorum still reports open', async () => {
    const members = fleetOf(3);
    await waitFor(() => members.every((m) => m.fleet.view.live === 3), 'all see 3 live');
    for (const m of members) await fail(m.breaker);
    await waitFor(() => members.every((m) => m.fleet.view.open === 3), 'all see 3 open');
    // nobody is isolated: all are open on their own
    expect(members.every((m) => m.breaker.state === 'open')).toBe(true);
    members[0]!.breaker.close();
    await waitFor(() => members[0]!.breaker.state === 'isolated', 'the recovered one isolates');
  });

  it('follows the quorum options', async () => {
    const members = fleetOf(4, { quorum: { min: 1, ratio: 0.25 } });
    await waitFor(() => members.every((m) => m.fleet.view.live === 4), 'all see 4 live');
    await fail(members[0]!.breaker);
    await waitFor(
      () => members.slice(1).every((m) => m.breaker.state === 'isolated'),
      'one open member is a quorum of 1 and 25 %',
    );
  });

  it('forgets a member that stops beating, and one that leaves at once', async () => {
    const members = fleetOf(3);
    await waitFor(() => members.every((m) => m.fleet.view.live === 3), 'all see 3 live');
    members[2]!.fleet.dispose();
    await waitFor(() => members[0]!.fleet.view.live === 2, 'the one that left is gone', {
      within: 1000,
    });
    expect(members[2]!.breaker.state).toBe('closed');
  });

  it('reports a message that is not a fleet message and keeps going', async () => {
    const members = fleetOf(2);
    await waitFor(() => members.every((m) => m.fleet.view.live === 2), 'all see 2 live');
    const errors: unknown[] = [];
    members[0]!.fleet.onRedisError((e) => errors.push(e));
    const publisher = new Redis(server.url);
    clients.push(publisher);
    const channel = `${prefix}c${circuitNo}:bus`;
    await publisher.publish(channel, 'not json');
    await publisher.publish(channel, '{"i":5}');
    await waitFor(() => errors.length === 2, 'both reported');
    expect(errors).toEqual([
      { name: 'fleet-m0', during: 'message', error: expect.any(SyntaxError) },
      { name: 'fleet-m0', during: 'message', error: expect.any(TypeError) },
    ]);
    expect(members[0]!.fleet.view.live).toBe(2);
  });
});
