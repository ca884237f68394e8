import type { Awaitable } from './invoke.js';

/** What every policy passes to the function it runs. */
export interface ExecuteContext {
  /** Aborted when the call should stop: the caller aborted, a timeout passed, and so on. */
  readonly signal: AbortSignal;
}

/** Options of a single `execute` call. */
export interface ExecuteOptions {
  /** Cancels the call. An already-aborted signal rejects before `fn` runs. */
  readonly signal?: AbortSignal | undefined;
}

/** The contract every Dyno policy keeps. */
export interface Policy<C extends ExecuteContext = ExecuteContext> {
  /**
   * Runs `fn` under the policy. Always returns a promise; a synchronous throw of `fn` becomes a
   * rejection.
   */
  execute<T>(fn: (context: C) => Awaitable<T>, options?: ExecuteOptions): Promise<T>;
}
