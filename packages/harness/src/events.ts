/** What `onError` receives for every error of a harnessed function. */
export interface HarnessErrorEvent {
  /** The harness name (the function's name unless the `name` option says otherwise). */
  readonly name: string;
  /** Exactly what the function threw or rejected with, untouched. */
  readonly error: unknown;
  /** This name's error count, this error included. */
  readonly count: number;
  /** Whether this error was logged (false when sampling skipped it). */
  readonly logged: boolean;
}
