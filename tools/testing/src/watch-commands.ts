import { flushPromises } from '@dyno/core/testing';
import type { Redis } from 'ioredis';

type Command = Parameters<Redis['sendCommand']>[0];

/**
 * Watches every command `client` sends (EVALSHA, the EVAL after a NOSCRIPT, ...), so that a test
 * waits for Redis's answers themselves, and for what the code under test does with them, instead
 * of a few real milliseconds it hopes are enough. `restore()` ends the watch.
 *
 * The commands not yet answered are kept in one set that only their answers empty: `idle()` only
 * reads it, so an `idle()` left running (the loser of a `Promise.race`) never takes commands out
 * of the sight of a later one.
 */
export function watchCommands(client: Redis): { idle(): Promise<void>; restore(): void } {
  const original = client.sendCommand;
  const own = Object.hasOwn(client, 'sendCommand');
  const unanswered = new Set<Promise<unknown>>();
  client.sendCommand = function (this: Redis, command: Command, ...rest: unknown[]) {
    const sent = (original as (...args: unknown[]) => unknown).call(this, command, ...rest);
    const answer = command.promise;
    unanswered.add(answer);
    const answered = () => unanswered.delete(answer);
    answer.then(answered, answered);
    return sent;
  } as Redis['sendCommand'];
  return {
    /** Resolves once every command sent so far was answered, and no answer led to another. */
    async idle() {
      await flushPromises();
      while (unanswered.size > 0) {
        await Promise.allSettled([...unanswered]);
        await flushPromises();
      }
    },
    restore() {
      if (own) client.sendCommand = original;
      else delete (client as Partial<Redis>).sendCommand; // the prototype's again
    },
  };
}
