import { once } from 'node:events';
import { redisClients } from './redis-clients.js';
import { redisForTests, type TestRedis } from './redis-server.js';

let server: TestRedis;

beforeAll(async () => {
  server = await redisForTests();
});

afterAll(async () => {
  await server.stop();
});

describe('redisClients', () => {
  it('makes clients as configured, swallows their errors, and ends every one', async () => {
    const redis = redisClients(server.url);
    const plain = redis.connect();
    const second = redis.connect({ db: 1, connectionName: 'dyno-test-second' });
    expect(await plain.ping()).toBe('PONG');
    expect(await second.client('GETNAME')).toBe('dyno-test-second');
    expect(redis.all).toEqual([plain, second]);
    // without a listener of its own, an `error` event would throw out of `emit`
    expect(() => plain.emit('error', new Error('refused'))).not.toThrow();
    const ended = Promise.all([once(plain, 'end'), once(second, 'end')]);
    redis.disconnectAll();
    expect(redis.all).toEqual([]);
    await ended;
    expect([plain.status, second.status]).toEqual(['end', 'end']);
  });
});
