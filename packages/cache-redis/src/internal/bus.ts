import type { Redis } from 'ioredis';
import type { BusMessageType } from '../events.js';
import { joinChannel, leaveChannel } from './channel-users.js';
import type { Guard } from './guard.js';

const TYPES: ReadonlySet<string> = new Set(['set', 'delete', 'clear', 'tag', 'prefix', 'release']);

/** What the bus tells its owner. */
export interface BusHandlers {
  /** A message from another process. */
  message(type: BusMessageType, key: string): void;
  /** Subscribed again after a drop (`true`), or dropped (`false`). */
  state(connected: boolean): void;
  error(during: 'publish' | 'subscribe' | 'message', key: string, error: unknown): void;
}

/** What the bus is made of. */
export interface BusSettings {
  readonly publisher: Redis;
  readonly subscriber: Redis;
  /** Whether to `quit` the subscriber when closed (the bus made it). */
  readonly owned: boolean;
  readonly channel: string;
  /** This process's id in messages, so that it ignores its own. */
  readonly origin: string;
  /** Runs the publish command with the store's timeout. */
  readonly guard: Guard;
  readonly handlers: BusHandlers;
}

/**
 * Invalidation messages between processes on one Redis pub/sub channel. A message is
 * `{"o":origin,"t":type,"k":key}`. When a publish fails the bus owes a `clear`: it sends one
 * instead of the next message, or as soon as its subscription comes back.
 */
export class Bus {
  readonly #s: BusSettings;
  #connected = false;
  #owed = false;
  #closed = false;

  constructor(settings: BusSettings) {
    this.#s = settings;
    const { subscriber, owned, channel } = settings;
    if (!owned) joinChannel(subscriber, channel);
    subscriber.on('message', this.#onMessage);
    subscriber.on('close', this.#onClose);
    subscriber.on('ready', this.#onReady);
    // an 'error' event without a listener would crash the process; errors also show as 'close'
    subscriber.on('error', this.#ignore);
    this.#subscribe();
  }

  /** True while subscribed. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Tells the other processes; never rejects (a failure is reported and owed as a `clear`). */
  async publish(type: BusMessageType, key: string): Promise<void> {
    if (this.#closed) return;
    const owed = this.#owed;
    this.#owed = false;
    const message = owed ? this.#encode('clear', '') : this.#encode(type, key);
    const { guard, publisher, channel } = this.#s;
    try {
      await guard.run(() => publisher.publish(channel, message));
    } catch (error) {
      this.#owed = true;
      this.#s.handlers.error('publish', key, error);
    }
  }

  /** Stops listening; quits the subscriber when the bus made it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    const { subscriber, channel, owned } = this.#s;
    subscriber.off('message', this.#onMessage);
    subscriber.off('close', this.#onClose);
    subscriber.off('ready', this.#onReady);
    if (owned) {
      subscriber.disconnect();
      subscriber.off('error', this.#ignore);
    } else if (!leaveChannel(subscriber, channel)) {
      subscriber.off('error', this.#ignore); // another bus still listens on the channel
    } else {
      subscriber.unsubscribe(channel).then(
        () => subscriber.off('error', this.#ignore),
        () => subscriber.off('error', this.#ignore),
      );
    }
  }

  #encode(type: BusMessageType, key: string): string {
    return JSON.stringify({ o: this.#s.origin, t: type, k: key });
  }

  #subscribe(): void {
    const { subscriber, channel, handlers } = this.#s;
    subscriber.subscribe(channel).then(
      () => {
        if (this.#closed || this.#connected) return;
        this.#connected = true;
        handlers.state(true);
        if (this.#owed) void this.publish('clear', '');
      },
      (error: unknown) => {
        if (!this.#closed) handlers.error('subscribe', '', error);
      },
    );
  }

  readonly #onReady = (): void => {
    // after a drop the bus subscribes again itself (a subscriber it made has ioredis's own
    // resubscription off; a given one may resubscribe too): its answer tells us when it is done
    if (!this.#connected) this.#subscribe();
  };

  readonly #onClose = (): void => {
    if (!this.#connected) return;
    this.#connected = false;
    this.#s.handlers.state(false);
  };

  readonly #ignore = (): void => {};

  readonly #onMessage = (channel: string, text: string): void => {
    if (channel !== this.#s.channel) return;
    let parsed: { o?: unknown; t?: unknown; k?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (error) {
      this.#s.handlers.error('message', '', error);
      return;
    }
    const { o, t, k } = parsed ?? {};
    if (typeof t !== 'string' || !TYPES.has(t) || typeof k !== 'string' || typeof o !== 'string') {
      this.#s.handlers.error(
        'message',
        '',
        new TypeError(`not a bus message: ${text.slice(0, 100)}`),
      );
      return;
    }
    if (o === this.#s.origin) return;
    this.#s.handlers.message(t as BusMessageType, k);
  };
}
