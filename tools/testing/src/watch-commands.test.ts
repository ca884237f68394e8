import { flushPromises } from '@dyno/core/testing';
import { Redis } from 'ioredis';
import { redisForTests, type TestRedis, uniquePrefix } from './redis-server.js';
import { watchCommands } from './watch-commands.js';

let server: TestRedis;
let client: Redis;
let other: Redis;
const prefix = uniquePrefix('watch-commands');

beforeAll(async () => {
  server = await redisForTests();
  client = new Redis(server.url);
  other = new Redis(server.url);
});

afterAll(async () => {
  await other.del(`${prefix}list`);
  await client.quit();
  await other.quit();
  await server.stop();
});

describe('watchCommands', () => {
  it('waits for every command sent, and for those their answers lead to', async () => {
    const watch = watchCommands(client);
    try {
      let second = false;
      client.get(`${prefix}a`).then(() => client.get(`${prefix}b`).then(() => (second = true)));
      await watch.idle();
      expect(second).toBe(true);
    } finally {
      watch.restore();
    }
  });

  it('keeps a command unanswered in sight of an idle() while an earlier idle() still runs', async () => {
    // the loser of a `Promise.race` with `idle()` goes on running; it used to take the commands
    // sent out of a later idle()'s sight, which then returned with a command in flight
    const watch = watchCommands(client);
    const blocked = client.blpop(`${prefix}list`, 0); // unanswered until the push below
    let later = false;
    let pushed = false;
    try {
      const earlier = watch.idle();
      const done = watch.idle().then(() => {
        later = true;
      });
      for (let i = 0; i < 5; i++) await flushPromises();
      expect(later).toBe(false);
      await other.rpush(`${prefix}list`, 'x');
      pushed = true;
      await Promise.all([earlier, done]);
      expect(later).toBe(true);
    } finally {
      // answered whatever happened above, so the client can quit
      if (!pushed) await other.rpush(`${prefix}list`, 'x');
      await expect(blocked).resolves.toEqual([`${prefix}list`, 'x']);
      watch.restore();
    }
  });

  it('gives the client its own sendCommand back', () => {
    const watch = watchCommands(client);
    expect(Object.hasOwn(client, 'sendCommand')).toBe(true);
    watch.restore();
    expect(Object.hasOwn(client, 'sendCommand')).toBe(false);
  });
});
