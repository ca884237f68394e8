import { waitFor } from '@dyno-tools/testing';
import type { Redis } from 'ioredis';

/**
 * Resolves once each member `ids` of the circuit whose members' sorted set is `key` has run
 * `count` more heartbeats: each one moves the member's expiry in Redis on, and a member sends
 * one only after the one before it was answered (and judged).
 */
export async function heartbeats(
  redis: Redis,
  key: string,
  ids: readonly string[],
  count: number,
): Promise<void> {
  const expiries = async () => {
    const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
    return new Map(ids.map((id) => [id, Number(flat[flat.indexOf(id) + 1])]));
  };
  for (let i = 0; i < count; i++) {
    const before = await expiries();
    await waitFor(
      async () => {
        const now = await expiries();
        return ids.every((id) => (now.get(id) as number) > (before.get(id) as number));
      },
      `every member beat ${i + 1} more time(s)`,
    );
  }
}
