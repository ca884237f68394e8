import type { Redis } from 'ioredis';

/**
 * The buses using each given subscriber, per channel: two stores on one prefix may share a
 * subscriber of the user's, and the first one disposed must not unsubscribe the other from the
 * channel (it would go on saying it is connected and hear nothing more).
 */
const channelUsers = new WeakMap<Redis, Map<string, number>>();

/** One more bus listens on `channel` through `subscriber`. */
export function joinChannel(subscriber: Redis, channel: string): void {
  let users = channelUsers.get(subscriber);
  if (users === undefined) {
    users = new Map();
    channelUsers.set(subscriber, users);
  }
  users.set(channel, (users.get(channel) ?? 0) + 1);
}

/** One bus leaves `channel`; true when it was the last on this subscriber. */
export function leaveChannel(subscriber: Redis, channel: string): boolean {
  const users = channelUsers.get(subscriber);
  const left = (users?.get(channel) ?? 1) - 1;
  if (left > 0) users?.set(channel, left);
  else users?.delete(channel);
  return left <= 0;
}
