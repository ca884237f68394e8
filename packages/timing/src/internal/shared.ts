import type { Clock } from '@dyno/core';

/** What every node of one tree shares with the root. */
export interface TreeSettings {
  readonly clock: Clock;
  readonly epoch: number;
  readonly cpu: boolean;
}
