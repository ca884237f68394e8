import { redisClients, startRedis, type TestRedis, waitFor } from '@dyno-tools/testing';
import type { Redis, RedisOptions } from 'ioredis';
import type { DecisionSource, RedisRateErrorEvent } from './events.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

// Redis as production runs it, on a server of this file's own (SCRIPT FLUSH, CONFIG SET): clients
// configured as users configure them, and scripts Redis forgot.

let server: TestRedis;
let admin: Redis;
let redis: ReturnType<typeof redisClients>;
let keyNo = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClients(server.url);
  admin = redis.connect();
});

afterAll(async () => {
  redis.disconnectAll();
  await server.stop();
});

function limiterOn(client: Redis) {
  const limiter = new RedisRateLimiter({ client, rate: 1000, name: 'fleet' });
  const sources: DecisionSource[] = [];
  const errors: RedisRateErrorEvent[] = [];
  limiter.onDecision((e) => sources.push(e.source));
  limiter.onRedisError((e) => errors.push(e));
  return { limiter, sources, errors, key: `k${++keyNo}` };
}

describe('a client configured as users configure it', () => {
  // the README recommends `enableOfflineQueue: false` for a limiter's client: ioredis then
  // refuses every command until it is connected, which is no sign of an unwell Redis
  it.each([
    ['enableOfflineQueue: false', { enableOfflineQueue: false }],
    ['lazyConnect and enableOfflineQueue: false', { lazyConnect: true, enableOfflineQueue: false }],
  ])('keeps its Redis circuit closed while a client with %s connects', async (_, options) => {
    const client = redis.connect(options);
    const { limiter, sources, errors, key } = limiterOn(client);
    await Promise.all([1, 2, 3, 4, 5].map(() => limiter.acquire({ key })));
    expect(sources).toEqual(['local', 'local', 'local', 'local', 'local']);
    for (const e of errors) {
      expect(e.error.message).toMatch(
        /^@dyno\/pool-redis: Redis is not connected \((wait|connecting)\)$/,
      );
    }
    expect(errors).toHaveLength(5);
    expect(limiter.redisState).toBe('closed');
    await waitFor(() => client.status === 'ready', 'the client connected by itself');
    await limiter.acquire({ key });
    expect(sources.at(-1)).toBe('redis');
  });

  it('shares a limit between clients with the same keyPrefix and db, and only between them', async () => {
    const key = `k${++keyNo}`;
    const limiter = (options: RedisOptions) =>
      new RedisRateLimiter({ client: redis.connect(options), rate: 2, interval: 60_000 });
    const [a, b] = [limiter({ keyPrefix: 'app:', db: 4 }), limiter({ keyPrefix: 'app:', db: 4 })];
    await a.acquire({ key });
    await b.acquire({ key });
    await expect(a.acquire({ key })).rejects.toMatchObject({ code: 'DYNO_RATE_LIMITED' });
    await expect(b.acquire({ key })).rejects.toMatchObject({ code: 'DYNO_RATE_LIMITED' });
    // another keyPrefix or db is another limit (documented): a fleet split in two
    await expect(limiter({ keyPrefix: 'other:', db: 4 }).acquire({ key })).resolves.toBeUndefined();
    await expect(limiter({ keyPrefix: 'app:', db: 5 }).acquire({ key })).resolves.toBeUndefined();
    expect(await redis.connect({ db: 4 }).exists(`app:dyno:rate:${key}`)).toBe(1);
  });

  it('decides on Redis at once with lazyConnect before connect(), and with maxRetriesPerRequest: 0', async () => {
    for (const options of [{ lazyConnect: true }, { maxRetriesPerRequest: 0 }]) {
      const { limiter, sources, errors, key } = limiterOn(redis.connect(options));
      await Promise.all([1, 2, 3].map(() => limiter.acquire({ key })));
      expect(sources).toEqual(['redis', 'redis', 'redis']);
      expect(errors).toEqual([]);
    }
  });
});

describe('a Redis that forgot its scripts', () => {
  it('reloads them on NOSCRIPT, decides on Redis, and counts no Redis error', async () => {
    const { limiter, sources, errors, key } = limiterOn(redis.connect());
    for (let i = 0; i < 4; i++) {
      await admin.script('FLUSH');
      await limiter.acquire({ key });
    }
    expect(sources).toEqual(['redis', 'redis', 'redis', 'redis']);
    expect(errors).toEqual([]);
    expect(limiter.redisState).toBe('closed');
  });
});

describe('a Redis that refuses writes', () => {
  it.each([
    [
      'OOM (maxmemory, noeviction)',
      ['CONFIG', 'SET', 'maxmemory', '1'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
    ],
    ['READONLY (a replica)', ['REPLICAOF', '127.0.0.1', '1'], ['REPLICAOF', 'NO', 'ONE']],
  ])(
    'decides by whenUnavailable while Redis refuses with %s, then by Redis again',
    async (_, refuse, allow) => {
      const client = redis.connect();
      const limiter = new RedisRateLimiter({ client, rate: 1000, whenUnavailable: 'refuse' });
      const key = `k${++keyNo}`;
      await limiter.acquire({ key });
      await admin.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await admin.call(...(refuse as [string, ...string[]]));
      try {
        const refused = await limiter.acquire({ key }).catch((error: unknown) => error);
        const word = refuse[0] === 'CONFIG' ? 'OOM' : 'READONLY';
        expect(refused).toMatchObject({ code: 'DYNO_REDIS_UNAVAILABLE' });
        expect(String((refused as Error).cause)).toContain(word);
      } finally {
        await admin.call(...(allow as [string, ...string[]]));
      }
      await expect(limiter.acquire({ key })).resolves.toBeUndefined();
    },
  );
});

describe('a client the user closed', () => {
  it('decides by whenUnavailable at once, never waiting, after quit()', async () => {
    const client = redis.connect();
    const { limiter, sources, key } = limiterOn(client);
    await limiter.acquire({ key });
    await client.quit();
    await Promise.all([1, 2, 3, 4, 5].map(() => limiter.acquire({ key })));
    expect(sources).toEqual(['redis', 'local', 'local', 'local', 'local', 'local']);
  });
});
