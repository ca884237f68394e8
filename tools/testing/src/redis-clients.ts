import { Redis, type RedisOptions } from 'ioredis';

/**
 * The ioredis clients of a test file on one server: `connect(options)` makes one as a user would
 * configure it, with its `error` events swallowed (ioredis prints them otherwise, and the tests
 * read what the code under test makes of them), and `disconnectAll()` ends every one made.
 */
export function redisClients(url: string): {
  connect(options?: RedisOptions): Redis;
  /** Every client made and not yet disconnected. */
  readonly all: readonly Redis[];
  disconnectAll(): void;
} {
  const clients: Redis[] = [];
  return {
    all: clients,
    connect(options = {}) {
      const client = new Redis(url, options);
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    disconnectAll() {
      for (const client of clients.splice(0)) client.disconnect();
    },
  };
}
