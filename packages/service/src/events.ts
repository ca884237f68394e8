/** The payload of `onFallback`: a failed call that the fallback answered. */
export interface FallbackEvent {
  /** The service name. */
  readonly name: string;
  /** The call's failure that the fallback answered (what the fallback function received). */
  readonly error: unknown;
  /** Whether the fallback gave a value; `false` when its function threw or rejected. */
  readonly succeeded: boolean;
  /** What the fallback function threw or rejected with (the call's rejection), when it failed. */
  readonly fallbackError?: unknown;
}
