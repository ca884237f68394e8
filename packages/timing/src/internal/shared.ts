import type { NowSource } from '../options.js';

/** What every node of one tree shares with the root. */
export interface TreeSettings {
  readonly clock: NowSource;
  readonly epoch: number;
  readonly cpu: boolean;
}
