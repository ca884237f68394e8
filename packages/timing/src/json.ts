/** CPU time the process spent over an interval, in microseconds (from `process.cpuUsage`). */
export interface CpuUsage {
  readonly user: number;
  readonly system: number;
}

/** The JSON form of an interval. Times are ms since 1970 (the clock anchored to the epoch). */
export interface IntervalJSON {
  readonly kind: 'interval';
  readonly name: string;
  /** `null` when the interval was never started. */
  readonly start: number | null;
  /** `null` while running or never started. */
  readonly end: number | null;
  /** In ms; measured to now while running; `null` when never started. */
  readonly duration: number | null;
  /** Present when CPU recording is on and the interval has stopped. */
  readonly cpu?: CpuUsage;
  readonly children: readonly (IntervalJSON | MarkJSON)[];
}

/** The JSON form of a mark. */
export interface MarkJSON {
  readonly kind: 'mark';
  readonly name: string;
  /** ms since 1970. */
  readonly time: number;
}
