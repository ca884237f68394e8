import { Cache } from '@dyno/cache';
import {
  closeDuringReconnect,
  disposeAtReadyCheck,
  redisClients,
  startRedis,
  type TestRedis,
  waitFor,
} from '@dyno-tools/testing';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from './errors.js';
import type { BusMessageEvent } from './events.js';
import { RedisStore } from './redis-store.js';
import { TieredStore } from './tiered-store.js';

// Redis as production runs it, on a server of this file's own (CONFIG SET, REPLICAOF, CLIENT
// KILL, ACL SETUSER): clients configured as users configure them (an ACL user too), a Redis that
// is up but refuses writes, and subscribers the server cuts.

let server: TestRedis;
let admin: Redis;
let redis: ReturnType<typeof redisClients>;
const tiers: TieredStore[] = [];
let prefixNo = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClients(server.url);
  admin = redis.connect();
});

afterEach(() => {
  for (const t of tiers.splice(0)) t.dispose();
});

afterAll(async () => {
  redis.disconnectAll();
  await server.stop();
});

const newPrefix = () => `p${++prefixNo}:`;

describe('a client configured as users configure it', () => {
  it('keeps its circuit closed while a client without an offline queue connects', async () => {
    const client = redis.connect({ enableOfflineQueue: false });
    const store = new RedisStore({ client, prefix: newPrefix() });
    const failures = await Promise.all([1, 2, 3, 4].map(() => store.get('k').catch((e) => e)));
    for (const error of failures) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/Redis is not connected \((wait|connecting)\)$/);
    }
    expect(store.circuit).toBe('closed');
    await waitFor(() => client.status === 'ready', 'connected');
    await expect(store.get('k')).resolves.toBeUndefined();
  });

  it('regression: subscribes at start with no error on a client without an offline queue (its first SUBSCRIBE was refused)', async () => {
    const client = redis.connect({ enableOfflineQueue: false });
    const store = new TieredStore({ redis: new RedisStore({ client, prefix: newPrefix() }) });
    tiers.push(store);
    const errors: unknown[] = [];
    store.onError((e) => errors.push(e));
    await waitFor(() => store.connected, 'subscribed');
    expect(errors).toEqual([]);
  });

  it('keeps the fleets of two databases apart: one db never invalidates the other', async () => {
    const prefix = newPrefix();
    const tier = (db: number) => {
      const store = new TieredStore({
        redis: new RedisStore({ client: redis.connect({ db }), prefix }),
      });
      tiers.push(store);
      const heard: BusMessageEvent[] = [];
      store.onBusMessage((e) => heard.push(e));
      return { store, heard };
    };
    const [one, alsoOne, two] = [tier(1), tier(1), tier(2)];
    await waitFor(() => [one, alsoOne, two].every((t) => t.store.connected), 'all subscribed');
    const entry = { value: 'v', created: 0, expiry: null, delta: 1 } as never;
    await one.store.set('k', entry, 60_000);
    await two.store.set('k', entry, 60_000);
    await two.store.clear();
    // published after db 2's (Redis delivers in the order it published)
    await alsoOne.store.delete('other');
    await waitFor(() => one.heard.length > 0, 'db 1 hears its own fleet');
    expect(one.heard.map((e) => `${e.type} ${e.key}`)).toEqual(['delete other']);
    expect(one.store.memory.get('k')).toBeDefined();
  });

  it('keeps apart the fleets of two databases chosen by SELECT', async () => {
    const prefix = newPrefix();
    const tier = async (db: number) => {
      const client = redis.connect();
      await client.select(db);
      const store = new TieredStore({ redis: new RedisStore({ client, prefix }) });
      tiers.push(store);
      const heard: BusMessageEvent[] = [];
      store.onBusMessage((e) => heard.push(e));
      return { store, heard };
    };
    const [one, alsoOne, two] = [await tier(1), await tier(1), await tier(2)];
    await waitFor(() => [one, alsoOne, two].every((t) => t.store.connected), 'all subscribed');
    await two.store.clear();
    await alsoOne.store.delete('other');
    await waitFor(() => one.heard.length > 0, 'db 1 hears its own fleet');
    expect(one.heard.map((e) => `${e.type} ${e.key}`)).toEqual(['delete other']);
  });
});

describe('an ACL user allowed only its own keys and channels', () => {
  // the README's list: the stores' commands, those their scripts run, and ioredis's ready check
  const COMMANDS = [
    'get',
    'set',
    'del',
    'eval',
    'pttl',
    'pexpire',
    'scan',
    'unlink',
    'publish',
    'subscribe',
    'unsubscribe',
    'type',
    'exists',
    'sadd',
    'spop',
    'persist',
    'info',
  ];

  it('reads, writes, leases, invalidates and hears its fleet with only the commands its README lists', async () => {
    const acl = ['on', '>pw', '~app:*', '&app:*', '-@all', ...COMMANDS.map((c) => `+${c}`)];
    await admin.call('ACL', 'SETUSER', 'cache-user', ...acl);
    await admin.call('ACL', 'LOG', 'RESET');
    const prefix = newPrefix();
    const tier = () => {
      const client = redis.connect({ username: 'cache-user', password: 'pw', keyPrefix: 'app:' });
      const store = new TieredStore({ redis: new RedisStore({ client, prefix, lease: true }) });
      tiers.push(store);
      return store;
    };
    const [a, b] = [tier(), tier()];
    const errors: unknown[] = [];
    for (const t of [a, b]) t.onError((e) => errors.push(e));
    await waitFor(() => a.connected && b.connected, 'both subscribed');
    const heard: BusMessageEvent[] = [];
    b.onBusMessage((e) => heard.push(e));
    const cache = new Cache<string>({ store: a, ttl: 60_000 });
    await expect(cache.get('k', () => 'loaded')).resolves.toBe('loaded'); // lease, write, release
    await cache.set('tagged', 'v', { tags: ['t'] });
    const forEver = { value: 'v', created: 0, expiry: null, delta: 1, tags: ['t'] } as never;
    await a.redis.set('kept', forEver, Infinity);
    const token = await a.redis.lease!.acquire('x');
    await expect(a.redis.lease!.renew!('x', token!)).resolves.toBe(true);
    await a.deleteByTag('t');
    await a.deletePrefix('k');
    await a.clear();
    await waitFor(() => heard.some((e) => e.type === 'clear'), 'b hears the clear');
    expect(await admin.keys('app:*')).toEqual([]);
    expect(errors).toEqual([]);
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
  });
});

describe('a Redis that is up but refuses writes', () => {
  it.each([
    [
      'OOM (maxmemory, noeviction)',
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
    ],
    ['READONLY (a replica)', ['REPLICAOF', '127.0.0.1', '1'], ['REPLICAOF', 'NO', 'ONE']],
  ])('keeps serving what Redis holds while it refuses writes with %s', async (_, refuse, allow) => {
    const store = new RedisStore({ client: redis.connect(), prefix: newPrefix(), lease: true });
    const cache = new Cache<string>({ store, ttl: 60_000 });
    const states: string[] = [];
    cache.onStoreCircuit((e) => states.push(e.state));
    await cache.get('held', () => 'held in Redis');
    await admin.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await admin.call(...(refuse as [string, ...string[]]));
    try {
      // misses at once: each one's lease and write-back are refused
      const keys = Array.from({ length: 8 }, (_, i) => `miss${i}`);
      await Promise.all(keys.map((key) => cache.get(key, () => key)));
      expect(store.circuit).toBe('closed');
      // the same cache: its refused write-backs did not make it stop reading Redis
      expect(states).toEqual([]);
      let loads = 0;
      const value = await cache.get('held', () => {
        loads++;
        return 'loaded again';
      });
      expect({ value, loads }).toEqual({ value: 'held in Redis', loads: 0 });
    } finally {
      await admin.call(...(allow as [string, ...string[]]));
    }
  });
});

describe('a subscriber the server cuts', () => {
  it.each([
    [
      'a slow reader (client-output-buffer-limit pubsub)',
      ['client-output-buffer-limit', 'pubsub 64kb 64kb 0'],
      ['client-output-buffer-limit', 'pubsub 32mb 8mb 60'],
    ],
    [
      // Redis 7 evicts the clients that use the most memory first: the subscriber, whose output
      // buffer grows (the admin connection is exempt, as a user would exempt theirs)
      'client eviction (maxmemory-clients)',
      ['maxmemory-clients', '256kb'],
      ['maxmemory-clients', '0'],
    ],
  ])(
    'comes back with an empty memory tier after Redis drops it for %s',
    async (_, limit, unlimit) => {
      await admin.client('NO-EVICT', 'ON');
      const client = redis.connect();
      const duplicate = jest.spyOn(client, 'duplicate');
      const prefix = newPrefix();
      const store = new TieredStore({ redis: new RedisStore({ client, prefix }) });
      tiers.push(store);
      const states: boolean[] = [];
      store.onBusState((e) => states.push(e.connected));
      await waitFor(() => store.connected, 'subscribed');
      await store.set('k', { value: 'v', created: 0, expiry: null, delta: 1 } as never, 60_000);
      const subscriber = duplicate.mock.results[0]!.value as Redis;
      await admin.call('CONFIG', 'SET', ...(limit as [string, string]));
      try {
        subscriber.stream.pause(); // a process too busy to read: Redis's buffer for it grows
        const flood = admin.pipeline();
        const message = JSON.stringify({ o: 'elsewhere', t: 'delete', k: 'x'.repeat(8000) });
        for (let i = 0; i < 2000; i++) flood.publish(`${prefix}\u0000bus`, message);
        await flood.exec();
        subscriber.stream.resume();
        await waitFor(() => states.length === 3, 'dropped and subscribed again');
      } finally {
        await admin.call('CONFIG', 'SET', ...(unlimit as [string, string]));
      }
      // what it missed meanwhile is unknown: nothing from before the drop is served from memory
      expect(states).toEqual([true, false, true]);
      expect(store.memory.size).toBe(0);
    },
  );

  it('regression: disposed while its own subscriber reconnects, it leaves no rejection behind', async () => {
    const client = redis.connect();
    const duplicate = jest.spyOn(client, 'duplicate');
    const store = new TieredStore({ redis: new RedisStore({ client, prefix: newPrefix() }) });
    const errors: unknown[] = [];
    store.onError((e) => errors.push(e));
    await waitFor(() => store.connected, 'subscribed');
    const subscriber = duplicate.mock.results[0]!.value as Redis;
    // disposed as the answer to the reconnect's ready check arrives: ioredis then ran its own
    // resubscription on a closing connection, rejected with nobody to handle it (CI saw it fail the
    // next test in tiered-store.test.ts)
    const disposed = disposeAtReadyCheck(subscriber, () => store.dispose());
    await admin.client('KILL', 'TYPE', 'pubsub');
    await expect(disposed).resolves.toBe('connect');
    await new Promise((resolve) => subscriber.once('end', resolve));
    // a rejection nobody handles is reported once the tick's promises have run
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([]);
    expect(store.connected).toBe(false);
  });

  it('gets its bus back on a subscriber of the user with autoResubscribe off, which the user may close while it reconnects', async () => {
    // ioredis's own resubscription (autoResubscribe, on by default) rejects with nobody to handle
    // it when its connection is closed as the reconnect's ready check is answered, and an
    // unhandled rejection ends a Node process: the README asks for a subscriber with it off
    const client = redis.connect();
    const subscriber = client.duplicate({ autoResubscribe: false });
    const prefix = newPrefix();
    const store = new TieredStore({ redis: new RedisStore({ client, prefix }), subscriber });
    tiers.push(store);
    const other = new TieredStore({ redis: new RedisStore({ client: redis.connect(), prefix }) });
    tiers.push(other);
    const heard: string[] = [];
    store.onBusMessage((e) => heard.push(e.key));
    await waitFor(() => store.connected && other.connected, 'subscribed');
    await admin.client('KILL', 'TYPE', 'pubsub');
    await waitFor(() => !store.connected, 'dropped');
    await waitFor(() => store.connected && other.connected, 'subscribed again by the store itself');
    await other.delete('after the drop');
    await waitFor(() => heard.length === 1, 'heard');
    expect(heard).toEqual(['after the drop']);
    await expect(closeDuringReconnect(subscriber, admin)).resolves.toEqual({
      status: 'connect',
      unhandled: [],
    });
    expect(store.connected).toBe(false);
  });
});

describe('a subscriber of the user shared by stores', () => {
  it('regression: one store disposed leaves the bus of another on the same channel subscribed', async () => {
    // its dispose unsubscribed the channel for both: the other one went on saying it was
    // connected, heard nothing more, and served from memory what other processes had changed
    const client = redis.connect();
    const subscriber = redis.connect({ autoResubscribe: false });
    const prefix = newPrefix();
    const a = new TieredStore({ redis: new RedisStore({ client, prefix }), subscriber });
    const b = new TieredStore({ redis: new RedisStore({ client, prefix }), subscriber });
    const other = new TieredStore({ redis: new RedisStore({ client: redis.connect(), prefix }) });
    tiers.push(b, other);
    const heard: string[] = [];
    b.onBusMessage((e) => heard.push(e.key));
    await waitFor(() => a.connected && b.connected && other.connected, 'subscribed');
    a.dispose();
    await subscriber.ping('after the unsubscribe, if any'); // answered in order: after it
    await other.delete('after a left');
    await waitFor(() => heard.length === 1, 'b still hears the bus');
    expect(heard).toEqual(['after a left']);
    b.dispose();
    await waitFor(
      async () => (await admin.pubsub('NUMSUB', `${prefix}\u0000bus`))[1] === 1,
      'b left',
    );
  });
});
