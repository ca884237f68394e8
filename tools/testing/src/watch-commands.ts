import { flushPromises } from '@dyno/core/testing';
import type { Redis } from 'ioredis';

type Command = Parameters<Redis['sendCommand']>[0];

/**
 * Watches every command `client` sends (EVALSHA, the EVAL after a NOSCRIPT, ...), so that a test
 * waits for Redis's answers themselves, and for what the code under test does with them, instead
 * of a few real milliseconds it hopes are enough. `restore()` ends the watch.
 */
export function watchCommands(client: Redis): { idle(): Promise<void>; restore(): void } {
  const original = client.sendCommand;
  const own = Object.hasOwn(client, 'sendCommand');
  let sent: Command[] = [];
  client.sendCommand = function (this: Redis, command: Command, ...rest: unknown[]) {
    sent.push(command);
    return (original as (...args: unknown[]) => unknown).call(this, command, ...rest);
  } as Redis['sendCommand'];
  return {
    /** Resolves once every command sent so far was answered, and no answer led to another. */
    async idle() {
      await flushPromises();
      while (sent.length > 0) {
        const waiting = sent;
        sent = [];
        await Promise.allSettled(waiting.map((command) => command.promise));
        await flushPromises();
      }
    },
    restore() {
      if (own) client.sendCommand = original;
      else delete (client as Partial<Redis>).sendCommand; // the prototype's again
    },
  };
}
