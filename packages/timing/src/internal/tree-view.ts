import type { CpuUsage } from '../json.js';

// What the renderers (the text timeline, the Server-Timing header) read of a timer tree.
// `PerfTimer` and `Mark` have these members; the renderers depend on this view instead of the
// classes, so that perf-timer.ts can import the renderers without their importing it back.

/** An interval, as the renderers read it. */
export interface IntervalView {
  readonly kind: 'interval';
  readonly name: string;
  readonly depth: number;
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  readonly duration: number | undefined;
  readonly cpu: CpuUsage | undefined;
  readonly children: readonly NodeView[];
  walk(): Iterable<NodeView>;
}

/** A mark, as the renderers read it. */
export interface MarkView {
  readonly kind: 'mark';
  readonly name: string;
  readonly depth: number;
  readonly time: number;
}

/** A node of the tree, as the renderers read it. */
export type NodeView = IntervalView | MarkView;
