/** Payload of `Hedge.onHedge`: an extra attempt has started. */
export interface HedgeEvent {
  readonly name: string;
  /** The attempt that started (2 for the first hedge). */
  readonly attempt: number;
  /** `'delay'`: the previous attempt ran past the delay; `'failure'`: an attempt was unacceptable. */
  readonly trigger: 'delay' | 'failure';
}

/** Payload of `Hedge.onWin`: an extra attempt (not the first) gave the call its outcome. */
export interface WinEvent {
  readonly name: string;
  /** The attempt that won (2 or more). */
  readonly attempt: number;
  /** Attempts started in the call. */
  readonly started: number;
  /** ms from the start of the call to the win. */
  readonly duration: number;
}

/** Payload of `Hedge.onRefuse`: the budget refused an extra attempt. */
export interface RefuseEvent {
  readonly name: string;
  /** The attempt that would have started. */
  readonly attempt: number;
}
