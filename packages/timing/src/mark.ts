import type { MarkJSON } from './json.js';
import type { PerfTimer } from './perf-timer.js';

/** A point in time inside an interval (an event): made by `PerfTimer.mark(name)`. */
export class Mark {
  /** Tells marks from intervals when walking the tree. */
  readonly kind = 'mark' as const;

  /** @internal made by `PerfTimer.mark` */
  constructor(
    /** The mark's name. */
    readonly name: string,
    /** The interval the mark was made in. */
    readonly parent: PerfTimer,
    /** When the mark was made, on the tree's clock (ms). */
    readonly time: number,
    /** The wall-clock time of `clock.now() === 0`, from the root's options. */
    readonly epoch: number,
  ) {}

  /** The distance from the root: a mark in the root has depth 1. */
  get depth(): number {
    return this.parent.depth + 1;
  }

  /** The plain JSON form. */
  toJSON(): MarkJSON {
    return { kind: 'mark', name: this.name, time: this.epoch + this.time };
  }
}
