import type { CircuitBreaker } from '@dyno/breaker';
import { ManualClock } from '@dyno/core/testing';
import {
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
import { fail, tripsAtOnce } from './test-support/breakers.js';

// Redis as production runs it, on a server of this file's own (SCRIPT FLUSH, SHUTDOWN): scripts
// that Redis forgot, a server restarted under the fleet, and clients configured as users do
// (`keyPrefix`, a `db` other than 0). Heartbeats and timeouts run on a manual clock; only
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

function member(circuit: string, id: string, clock: ManualClock, client: Redis): Member {
  const breaker = tripsAtOnce(id, clock);
  const fleet = new FleetCircuit({
    breaker,
    client,
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
): Promise<Member[]> {
  const members = ids.map((id) => member(circuit, id, clock, redis.connect(options)));
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

  it('lines up members whose clients share a keyPrefix and a db: keys, scripts and bus', async () => {
    const circuit = `c${++circuitNo}`;
    const clock = new ManualClock();
    const options = { keyPrefix: 'app:', db: 3 };
    const [a, b, c] = (await fleetOn(circuit, ['a', 'b', 'c'], clock, options)) as Member[] as [
      Member,
      Member,
      Member,
    ];
    await subscribedTo(circuit, 3);
    await fail(b.breaker);
    await fail(c.breaker);
    await waitFor(() => a.breaker.state === 'isolated', 'a is isolated by the quorum (bus)');
    const db3 = redis.connect({ db: 3 });
    expect(await db3.zcard(`app:${prefix}${circuit}:members`)).toBe(3);
    expect(a.errors).toEqual([]);
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
    const ids = ['a', 'b', 'c'];
    const [a, b, c] = (await fleetOn(circuit, ids, clock)) as [Member, Member, Member];
    await subscribedTo(circuit, 3);
    await fail(b.breaker);
    await fail(c.breaker);
    await waitFor(() => a.breaker.state === 'isolated', 'a isolated by the quorum');
    await shutdown();
    await server.restart(); // an empty server: memberships, states and scripts are gone
    await waitFor(() => admin.status === 'ready', 'the admin reconnected');
    // within memberTtl the view holds; once ioredis is back, two heartbeats write it all again
    expect(a.breaker.state).toBe('isolated');
    await waitFor(() => redis.all.every((client) => client.status === 'ready'), 'all reconnected');
    await clock.advance(HEARTBEAT);
    await clock.advance(HEARTBEAT);
    await waitFor(() => a.fleet.view.live === 3 && a.breaker.state === 'isolated', 'a rejoined');
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
      const [a, b, c] = (await fleetOn(circuit, ['a', 'b', 'c'], clock)) as [
        Member,
        Member,
        Member,
      ];
      await subscribedTo(circuit, 3);
      await fail(b.breaker);
      await fail(c.breaker);
      await waitFor(() => a.breaker.state === 'isolated', 'a isolated by the quorum');
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
