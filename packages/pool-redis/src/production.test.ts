import { ManualClock } from '@dyno/core/testing';
import {
  redisClients,
  startRedis,
  type TestRedis,
  waitFor,
  watchCommands,
} from '@dyno-tools/testing';
import type { Redis, RedisOptions } from 'ioredis';
import type { DecisionSource, RedisRateErrorEvent } from './events.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

// Redis as production runs it, on a server of this file's own (SCRIPT FLUSH, CONFIG SET, ACL
// SETUSER): clients configured as users configure them, scripts Redis forgot, and an ACL user.

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

describe('an ACL user allowed only its own keys', () => {
  // the README's list: the limiter's commands, those its scripts run, and ioredis's ready check
  const COMMANDS = [
    'evalsha',
    'eval',
    'time',
    'get',
    'set',
    'del',
    'pttl',
    'pexpire',
    'zadd',
    'zrem',
    'zrangebyscore',
    'zremrangebyscore',
    'info',
  ];

  async function userWith(commands: readonly string[]): Promise<Redis> {
    const username = `user${++keyNo}`;
    await admin.call(
      'ACL',
      'SETUSER',
      username,
      'on',
      '>pw',
      '~app:*',
      '-@all',
      ...commands.map((c) => `+${c}`),
    );
    await admin.call('ACL', 'LOG', 'RESET');
    return redis.connect({ username, password: 'pw', keyPrefix: 'app:' });
  }

  it('decides, hands on and gives back turns, and reloads its scripts with only the commands its README lists', async () => {
    const client = await userWith(COMMANDS);
    const clock = new ManualClock();
    // one turn every 10 s, so Redis's own clock moves nothing while the test runs
    const limiter = new RedisRateLimiter({
      client,
      rate: 1,
      interval: 10_000,
      burst: 1,
      maxWait: 60_000,
      clock,
    });
    const waits: number[] = [];
    limiter.onDecision((e) => waits.push(e.source === 'redis' ? e.wait : -1));
    const errors: RedisRateErrorEvent[] = [];
    limiter.onRedisError((e) => errors.push(e));
    const decided = (n: number) => waitFor(() => waits.length === n, `${n} decisions`);
    const scripts = watchCommands(client);
    await admin.script('FLUSH'); // EVALSHA meets NOSCRIPT: EVAL
    await limiter.acquire();
    const [first, second] = [new AbortController(), new AbortController()];
    const early = limiter.acquire({ signal: first.signal }); // 10 s away
    await decided(2);
    const late = limiter.acquire({ signal: second.signal }); // 20 s away
    await decided(3);
    first.abort(); // a turn ahead of another: kept in the given-up set
    await expect(early).rejects.toMatchObject({ name: 'AbortError' });
    await scripts.idle();
    second.abort(); // the last turn: given back, and the kept one with it
    await expect(late).rejects.toMatchObject({ name: 'AbortError' });
    await scripts.idle();
    scripts.restore();
    const next = limiter.acquire(); // the turn after the first admission's, not one after 30 s
    await decided(4);
    await clock.advance(10_000);
    await next;
    expect(waits.map((w) => Math.round(w / 1000))).toEqual([0, 10, 20, 10]);
    expect(errors).toEqual([]);
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
  });

  it('regression: a GET the ACL refuses is a Redis error, not a foreign value to replace (every call was admitted)', async () => {
    const client = await userWith(COMMANDS.filter((c) => c !== 'get'));
    const limiter = new RedisRateLimiter({
      client,
      rate: 1,
      interval: 60_000,
      whenUnavailable: 'refuse',
    });
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await limiter.acquire().then(
          () => 'admitted',
          (e: { code: string }) => e.code,
        ),
      );
    }
    expect(outcomes).toEqual(Array(3).fill('DYNO_REDIS_UNAVAILABLE'));
  });
});
