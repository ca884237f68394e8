import type { Redis } from 'ioredis';

/**
 * Calls `dispose` at the moment a reconnecting client receives the answer to its ready check
 * (`INFO`), before ioredis reads that answer: what a busy event loop does. ioredis 5.9.3 still
 * runs its own resubscription after such a close, and the rejection of that `SUBSCRIBE` was
 * handled by nobody. Set it up, then cut the connection (`CLIENT KILL`); resolves with the
 * client's status when `dispose` was called (`'connect'`: the ready check was under way).
 */
export function disposeAtReadyCheck(client: Redis, dispose: () => void): Promise<string> {
  return new Promise((resolve) =>
    client.once('connect', () => {
      const answer = (chunk: Buffer) => {
        if (!chunk.toString().includes('redis_version')) return;
        client.stream.off('data', answer);
        resolve(client.status);
        dispose();
      };
      client.stream.prependListener('data', answer);
    }),
  );
}

/**
 * Cuts `subscriber`'s connection (`CLIENT KILL TYPE pubsub`, sent by `admin`) and closes the
 * subscriber at the moment its reconnection's ready check is answered (`disposeAtReadyCheck`).
 * Answers its status at the close (`'connect'`) and the rejections nobody handled until it ended.
 */
export async function closeDuringReconnect(
  subscriber: Redis,
  admin: Redis,
): Promise<{ status: string; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const closed = disposeAtReadyCheck(subscriber, () => subscriber.disconnect());
    await admin.client('KILL', 'TYPE', 'pubsub');
    const status = await closed;
    await new Promise((resolve) => subscriber.once('end', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    return { status, unhandled };
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}
