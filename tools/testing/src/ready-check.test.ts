import { Redis } from 'ioredis';
import { disposeAtReadyCheck } from './ready-check.js';
import { redisForTests, type TestRedis } from './redis-server.js';

let server: TestRedis;

beforeAll(async () => {
  server = await redisForTests();
});

afterAll(async () => {
  await server.stop();
});

describe('disposeAtReadyCheck', () => {
  it('disposes a reconnecting client while its ready check is answered, not before nor after', async () => {
    const client = new Redis(server.url, { lazyConnect: true });
    const admin = new Redis(server.url);
    try {
      await client.connect();
      const id = String(await client.client('ID'));
      const seen: string[] = [];
      const disposed = disposeAtReadyCheck(client, () => {
        seen.push(client.status);
        client.disconnect();
      });
      await admin.client('KILL', 'ID', id);
      await expect(disposed).resolves.toBe('connect');
      // called once, while ioredis had not read the answer yet (still connecting, not ready)
      expect(seen).toEqual(['connect']);
    } finally {
      client.disconnect();
      admin.disconnect();
    }
  });
});
