/** What a bus message asks every other process's memory tier to drop. */
export type BusMessageType = 'set' | 'delete' | 'clear' | 'tag' | 'prefix' | 'release';

/** A message from another process applied to this process's memory tier. */
export interface BusMessageEvent {
  /** The two-tier store's name. */
  readonly name: string;
  /**
   * `set` / `delete`: that key was written or removed (a refresh is a `set`); `clear`: every
   * entry; `tag`: every entry with the tag; `prefix`: every key starting with it; `release`: a
   * lease on the key was given back (waiters look again at once).
   */
  readonly type: BusMessageType;
  /** The key, tag or prefix (`''` for `clear`). */
  readonly key: string;
}

/** The bus went down (the memory tier may now miss invalidations) or came back. */
export interface BusStateEvent {
  /** The two-tier store's name. */
  readonly name: string;
  /** True once subscribed again (the memory tier has just been cleared); false when it dropped. */
  readonly connected: boolean;
}

/** A failure the two-tier store absorbed (the call carried on from memory or as a miss). */
export interface TierErrorEvent {
  /** The two-tier store's name. */
  readonly name: string;
  /**
   * `read`: a Redis read behind a memory miss failed (answered as a miss); `publish`: an
   * invalidation could not be sent (a `clear` is sent once the bus works again); `subscribe`:
   * the subscription failed; `message`: a malformed bus message was ignored.
   */
  readonly during: 'read' | 'publish' | 'subscribe' | 'message';
  /** The key concerned (`''` when none). */
  readonly key: string;
  readonly error: unknown;
}
