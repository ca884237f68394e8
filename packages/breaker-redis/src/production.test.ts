import type { CircuitBreaker } from '@dyno/breaker';
import { ManualClock } from '@dyno/core/testing';
import {
  closeDuringReconnect,
  disposeAtReadyCheck,
  redisClients,
  startRedis,
  type TestRedis,
  uniquePrefix,
  waitFor,
} from '@dyno-tools/testing';
import { Redis, type RedisOptions } from 'ioredis';
import type { FleetRedisErrorEvent } from './events.js';
import { FleetCircuit } from './fleet-circuit.js';
import { BEAT_SCRIPT } from './internal/scripts.js';
import { loadCircuitSnapshot, saveCircuitSnapshot } from './snapshot-store.js';
import { fail, tripsAtOnce } from './test-support/breakers.js';

// Redis as production runs it, on a server of this file's own (SCRIPT FLUSH, SHUTDOWN, CLIENT
// KILL, ACL SETUSER): scripts that Redis forgot, a server restarted under the fleet, subscribers
// the server cuts, and clients configured as users do (`keyPrefix`, a `db`, an ACL user). Heartbeats and timeouts run on a manual clock; only
// Redis's own answers are waited on.

const HEARTBEAT = 1000;
const TIMEOUT = 500;

let server: TestRedis;
let admin: Redis;
const prefix = uniquePrefix('production');
let redis: ReturnType<typeof redisClients>;
const fleets: FleetCircuit[] = [];
let circuitNo = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClients(server.url);
  admin = redis.connect();
});

afterEach(() => {
  for (const f of fleets.splice(0)) f.dispose();
});

afterAll(async () => {
  redis.disconnectAll();
  await server.stop();
});

interface Member {
  readonly breaker: CircuitBreaker;
  readonly fleet: FleetCircuit;
  readonly errors: FleetRedisErrorEvent[];
}

function member(
  circuit: string,
  id: string,
  clock: ManualClock,
  client: Redis,
  subscriber?: Redis,
): Member {
  const breaker = tripsAtOnce(id, clock);
  const fleet = new FleetCircuit({
    breaker,
    client,
    subscriber,
    prefix,
    circuit,
    id,
    clock,
    heartbeat: HEARTBEAT,
    timeout: TIMEOUT,
  });
  fleets.push(fleet);
  const errors: FleetRedisErrorEvent[] = [];
  fleet.onRedisError((e) => errors.push(e));
  return { breaker, fleet, errors };
}

/** Members `ids` of `circuit`, each on a client made with `options`, once all see each other. */
async function fleetOn(
  circuit: string,
  ids: readonly string[],
  clock: ManualClock,
  options: RedisOptions = {},
  clients = redis,
): Promise<Member[]> {
  const members = ids.map((id) => member(circuit, id, clock, clients.connect(options)));
  await waitFor(() => members.every((m) => m.fleet.view.connected), 'first heartbeats answered');
  await clock.advance(HEARTBEAT);
  await waitFor(
    () => members.every((m) => m.fleet.view.live === ids.length),
    `all see ${ids.length} live`,
  );
  return members;
}

/** `SHUTDOWN NOSAVE` from a connection that neither retries it nor comes back. */
async function shutdown(): Promise<void> {
  const killer = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  killer.on('error', () => {});
  await killer.call('SHUTDOWN', 'NOSAVE').catch(() => {});
  killer.disconnect();
  await waitFor(() => admin.status !== 'ready', 'the server is gone');
}

/** Waits until `subscribers` connections listen on some channel that names `circuit`. */
async function subscribedTo(circuit: string, subscribers: number): Promise<void> {
  await waitFor(async () => {
    const channels = (await admin.pubsub('CHANNELS', `*${circuit}*`)) as string[];
    const counts = (await admin.pubsub('NUMSUB', ...channels)) as (string | number)[];
    let total = 0;
    for (let i = 1; i < counts.length; i += 2) total += Number(counts[i]);
    return total === subscribers;
  }, `${subscribers} subscribed`);
}

/** Members a, b and c of `circuit`, subscribed; b and c fail until their quorum isolates a. */
async function isolatedByQuorum(
  circuit: string,
  clock: ManualClock,
  options: RedisOptions = {},
  clients = redis,
): Promise<[Member, Member, Member]> {
  const members = await fleetOn(circuit, ['a', 'b', 'c'], clock, options, clients);
  const [a, b, c] = members as [Member, Member, Member];
  await subscribedTo(circuit, 3);
  await fail(b.breaker);
  await fail(c.breaker);
  await waitFor(() => a.breaker.state === 'isolated', 'a is isolated by the quorum (bus)');
  return [a, b, c];
}

describe('a client configured as users configure it', () => {
  it('regression: subscribes at start with no error on a client without an offline queue (its first SUBSCRIBE was refused)', async () => {
    const circuit = `c${++circuitNo}`;
    const client = redis.connect({ enableOfflineQueue: false });
    const { errors } = member(circuit, 'a', new ManualClock(), client);
    await subscribedTo(circuit, 1);
    // its first heartbeat, refused while the client connects, is reported: the next one joins
    expect(errors.filter((e) => e.during === 'subscribe')).toEqual([]);
  });
});

describe('fleets that share a server but not a keyspace', () => {
  // pub/sub channels are global to a server: ioredis's keyPrefix is not applied to them, and a
  // `db` does not scope them. Staging and production on one Redis, told apart by keyPrefix or
  // db, must not hear each other's breakers.
  it.each([
    ['keyPrefix', { keyPrefix: 'staging:' }, { keyPrefix: 'production:' }],
    ['db', { db: 1 }, { db: 2 }],
  ] as const)('never isolates a member for the breakers of another %s', async (_, other, own) => {
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const [s1, s2] = (await fleetOn(circuit, ['s1', 's2'], clock, other)) as [Member, Member];
    const [p1, p2] = (await fleetOn(circuit, ['p1', 'p2'], clock, own)) as [Member, Member];
    await subscribedTo(circuit, 4);
    const states: string[] = [];
    const views: number[] = [];
    p1.breaker.onStateChange((e) => states.push(e.to));
    p1.fleet.onView((v) => views.push(v.live));
    await fail(s1.breaker);
    await fail(s2.breaker);
    await waitFor(() => s1.fleet.view.open === 2, 'staging sees its own two open');
    // published after the others' (Redis delivers in the order it published): once p1 has
    // this news, it has had every message of the other keyspace too
    await fail(p2.breaker);
    await waitFor(() => p1.fleet.view.open >= 1, 'p1 hears p2 open');
    expect(p1.fleet.view).toMatchObject({ live: 2, open: 1, isolating: false });
    // not even for a moment (its next heartbeat would end an isolation: the calls meanwhile fail)
    expect(states).toEqual([]);
    expect(views.every((live) => live === 2)).toBe(true);
  });

  it('never isolates a member for the breakers of another db chosen by SELECT', async () => {
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const on = async (db: number, id: string) => {
      const client = redis.connect();
      await client.select(db);
      return member(circuit, id, clock, client);
    };
    const [s1, s2, p1, p2] = [
      await on(1, 's1'),
      await on(1, 's2'),
      await on(2, 'p1'),
      await on(2, 'p2'),
    ];
    await subscribedTo(circuit, 4);
    await waitFor(() => p1.fleet.view.connected && s1.fleet.view.connected, 'heartbeats answered');
    const states: string[] = [];
    p1.breaker.onStateChange((e) => states.push(e.to));
    await fail(s1.breaker);
    await fail(s2.breaker);
    await waitFor(() => s1.fleet.view.open === 2, 'db 1 sees its own two open');
    await fail(p2.breaker); // published after db 1's: p1 has had theirs once it has this
    await waitFor(() => p1.fleet.view.open >= 1, 'p1 hears p2 open');
    expect(p1.fleet.view).toMatchObject({ open: 1, isolating: false });
    expect(states).toEqual([]);
  });

  it('lines up members whose clients share a keyPrefix and a db: keys, scripts and bus', async () => {
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const options = { keyPrefix: 'app:', db: 3 };
    const [a] = await isolatedByQuorum(circuit, clock, options);
    const db3 = redis.connect({ db: 3 });
    expect(await db3.zcard(`app:${prefix}${circuit}:members`)).toBe(3);
    expect(a.errors).toEqual([]);
  });
});

describe('an ACL user allowed only its own keys and channels', () => {
  // the README's list: the fleet's commands, those its scripts run, and ioredis's ready check
  const COMMANDS = [
    'evalsha',
    'eval',
    'subscribe',
    'unsubscribe',
    'time',
    'zadd',
    'zrem',
    'zrangebyscore',
    'zremrangebyscore',
    'hset',
    'hget',
    'hdel',
    'pexpire',
    'publish',
    'get',
    'set',
    'info',
  ];

  it('heartbeats, isolates, leaves and keeps snapshots with only the commands its README lists', async () => {
    const username = `user${++circuitNo}`;
    const acl = ['on', '>pw', '~app:*', '&app:*', '-@all', ...COMMANDS.map((c) => `+${c}`)];
    await admin.call('ACL', 'SETUSER', username, ...acl);
    await admin.call('ACL', 'LOG', 'RESET');
    await admin.script('FLUSH'); // EVALSHA meets NOSCRIPT: EVAL
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const options = { username, password: 'pw', keyPrefix: 'app:' };
    // clients of their own: the user they log in as is gone after the restart test's SHUTDOWN
    const clients = redisClients(server.url);
    try {
      const [a, b, c] = await isolatedByQuorum(circuit, clock, options, clients);
      const client = clients.connect(options);
      await saveCircuitSnapshot(client, circuit, b.breaker.snapshot(), { prefix });
      await expect(loadCircuitSnapshot(client, circuit, { prefix })).resolves.toMatchObject({
        state: 'open',
      });
      c.fleet.dispose(); // leaves: b's fleet hears it on the bus
      await waitFor(() => b.fleet.view.live === 2, 'c left');
      expect([...a.errors, ...b.errors, ...c.errors]).toEqual([]);
      expect(await admin.call('ACL', 'LOG')).toEqual([]);
    } finally {
      for (const f of fleets.splice(0)) f.dispose();
      clients.disconnectAll();
    }
  });
});

describe('a Redis that forgets or restarts', () => {
  it('reloads its scripts after SCRIPT FLUSH without a Redis error, and goes on', async () => {
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const [a, b] = (await fleetOn(circuit, ['a', 'b'], clock)) as [Member, Member];
    await subscribedTo(circuit, 2);
    await admin.script('FLUSH');
    await fail(b.breaker); // its heartbeat (EVALSHA) meets NOSCRIPT first
    await waitFor(() => a.fleet.view.open === 1, 'a hears b open');
    await admin.script('FLUSH');
    await clock.advance(HEARTBEAT);
    const exists = async () => ((await admin.script('EXISTS', BEAT_SCRIPT.sha)) as number[])[0];
    await waitFor(async () => (await exists()) === 1, 'the heartbeat loaded its script again');
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('rejoins after SHUTDOWN NOSAVE and a start on the same port: keys and bus', async () => {
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const [a, b] = await isolatedByQuorum(circuit, clock);
    await shutdown();
    await server.restart(); // an empty server: memberships, states and scripts are gone
    await waitFor(() => admin.status === 'ready', 'the admin reconnected');
    // within memberTtl the view holds; once ioredis is back, heartbeats write it all again. A
    // heartbeat is not begun while the member's last one is under way (the first after the
    // restart meets NOSCRIPT and loads its script), so each is given time to land: two
    // advances in a row left a member unwritten once, on a loaded CI machine
    expect(a.breaker.state).toBe('isolated');
    await waitFor(() => redis.all.every((client) => client.status === 'ready'), 'all reconnected');
    let beats = 0;
    await waitFor(
      async () => {
        beats++;
        await clock.advance(HEARTBEAT);
        return a.fleet.view.live === 3 && a.breaker.state === 'isolated';
      },
      'a rejoined',
      { every: 50 },
    );
    expect(beats).toBeLessThanOrEqual(5);
    await subscribedTo(circuit, 3); // ioredis subscribed again
    await b.breaker.close();
    await waitFor(() => a.breaker.state === 'closed', 'a hears b close (bus) and lets go');
  });

  it.each([
    [
      'OOM (maxmemory, noeviction)',
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
    ],
    ['READONLY (a replica)', ['REPLICAOF', '127.0.0.1', '1'], ['REPLICAOF', 'NO', 'ONE']],
  ])(
    'reports heartbeats refused with %s, works alone after memberTtl, rejoins',
    async (_, refuse, allow) => {
      const circuit = `c${++circuitNo}`;
      const clock = new ManualClock();
      const [a] = await isolatedByQuorum(circuit, clock);
      await admin.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await admin.call(...(refuse as [string, ...string[]]));
      try {
        for (const n of [1, 2]) {
          await clock.advance(HEARTBEAT);
          await waitFor(() => a.errors.length === n, 'the heartbeat refused');
        }
        expect(a.breaker.state).toBe('isolated'); // what it knew holds for memberTtl
        await clock.advance(HEARTBEAT);
        await waitFor(() => a.breaker.state === 'closed', 'a works alone');
        expect(a.fleet.view).toMatchObject({ live: 0, isolating: false });
        const word = String(refuse[0]) === 'CONFIG' ? 'OOM' : 'READONLY';
        expect(a.errors.every((e) => String((e.error as Error).cause).includes(word))).toBe(true);
      } finally {
        await admin.call(...(allow as [string, ...string[]]));
      }
      await clock.advance(HEARTBEAT);
      await clock.advance(HEARTBEAT);
      await waitFor(() => a.breaker.state === 'isolated', 'a rejoined and is isolated again');
    },
  );
});

describe('a subscriber the server cuts', () => {
  it('subscribes again after CLIENT KILL TYPE pubsub and hears the bus', async () => {
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const [a, b] = (await fleetOn(circuit, ['a', 'b'], clock)) as [Member, Member];
    await subscribedTo(circuit, 2);
    await admin.client('KILL', 'TYPE', 'pubsub');
    await subscribedTo(circuit, 2); // by the fleets themselves: ioredis's own is off
    await fail(b.breaker); // on the bus, with no heartbeat in between
    await waitFor(() => a.fleet.view.open === 1, 'a hears b open');
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('regression: disposed while its own subscriber reconnects, it leaves no rejection behind', async () => {
    const circuit = `c${++circuitNo}`;
    const client = redis.connect();
    const duplicate = jest.spyOn(client, 'duplicate');
    const { fleet, errors } = member(circuit, 'a', new ManualClock(), client);
    await subscribedTo(circuit, 1);
    const subscriber = duplicate.mock.results[0]!.value as Redis;
    // disposed as the answer to the reconnect's ready check arrives: ioredis then ran its own
    // resubscription on a closing connection, rejected with nobody to handle it
    const disposed = disposeAtReadyCheck(subscriber, () => fleet.dispose());
    await admin.client('KILL', 'TYPE', 'pubsub');
    await expect(disposed).resolves.toBe('connect');
    await new Promise((resolve) => subscriber.once('end', resolve));
    // a rejection nobody handles is reported once the tick's promises have run
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([]);
  });

  it('regression: disposed before its own subscriber connected, it reports no Redis error', async () => {
    const client = redis.connect();
    await client.ping();
    const duplicate = jest.spyOn(client, 'duplicate');
    const { fleet, errors } = member(`c${++circuitNo}`, 'a', new ManualClock(), client);
    const subscriber = duplicate.mock.results[0]!.value as Redis;
    fleet.dispose(); // its SUBSCRIBE, still queued, is refused: "Connection is closed."
    await new Promise((resolve) => subscriber.once('end', resolve));
    await waitFor(async () => (await admin.exists(`${prefix}c${circuitNo}:members`)) === 0, 'left');
    expect(errors).toEqual([]);
  });

  it('subscribes again on a subscriber of the user with autoResubscribe off, which the user may close while it reconnects', async () => {
    // ioredis's own resubscription (autoResubscribe, on by default) rejects with nobody to handle
    // it when its connection is closed as the reconnect's ready check is answered, and an
    // unhandled rejection ends a Node process: the README asks for a subscriber with it off
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const subscriber = redis.connect({ autoResubscribe: false });
    const a = member(circuit, 'a', clock, redis.connect(), subscriber);
    const b = member(circuit, 'b', clock, redis.connect(), subscriber);
    await subscribedTo(circuit, 1); // one connection for both
    await admin.client('KILL', 'TYPE', 'pubsub');
    await waitFor(() => subscriber.status === 'ready', 'reconnected');
    await subscribedTo(circuit, 1); // by the fleets themselves: ioredis's own is off
    await admin.publish(`${prefix}${circuit}:bus`, JSON.stringify({ i: 'x', s: 'open' }));
    await waitFor(() => a.fleet.view.open === 1 && b.fleet.view.open === 1, 'both hear the bus');
    expect(a.errors).toEqual([]);
    await expect(closeDuringReconnect(subscriber, admin)).resolves.toEqual({
      status: 'connect',
      unhandled: [],
    });
  });
});
