import { check, is, type Rule, type Rules, reportListenerError, resolveOptions } from '@dyno/core';
import { TimerStateError } from './errors.js';
import { cpuDelta, cpuNow, requireCpuUsage } from './internal/cpu.js';
import { readDuration } from './internal/read-duration.js';
import type { TreeSettings } from './internal/shared.js';
import { treeClock } from './internal/tree-clock.js';
import type { CpuUsage, IntervalJSON, MarkJSON } from './json.js';
import { DEFAULT_PERF_TIMER_OPTIONS, type PerfTimerOptions } from './options.js';
import { type ServerTimingOptions, serverTiming } from './server-timing.js';
import { timeline } from './timeline.js';

const PKG = '@dyno/timing';

const NOW_SOURCE: Rule = Object.freeze({
  expected: 'a clock (an object with a `now` function)',
  test: (v: unknown) =>
    typeof v === 'object' && v !== null && typeof (v as { now?: unknown }).now === 'function'
      ? undefined
      : 'type',
});

const RULES: Rules<Required<PerfTimerOptions>> = {
  clock: NOW_SOURCE,
  epoch: is.number(0, Number.MAX_SAFE_INTEGER),
  cpu: is.boolean,
};

let nextParent: PerfTimer | undefined;

/** A node of the timer tree. */
export type TimerNode = PerfTimer | Mark;

/** Where an interval is in its life. */
export type TimerState = 'idle' | 'running' | 'stopped';

/**
 * An interval in a timer tree. The root is made with `new PerfTimer(name, options)`; children
 * with `interval(name)` (or `time(name)`, already started, for `using`) and marks with
 * `mark(name)`. Times come from the root's clock; output as a text timeline, a `Server-Timing`
 * header value or JSON.
 */
export class PerfTimer {
  /** Tells intervals from marks when walking the tree. */
  readonly kind = 'interval' as const;
  /** The interval's name. */
  readonly name: string;
  /** The interval this one was made in; `undefined` for the root. */
  readonly parent: PerfTimer | undefined;
  /** The distance from the root (the root has depth 0). */
  readonly depth: number;
  readonly #settings: TreeSettings;
  readonly #children: TimerNode[] = [];
  #start: number | undefined;
  #end: number | undefined;
  #cpuStart: NodeJS.CpuUsage | undefined;
  #cpu: CpuUsage | undefined;

  /** Makes a root interval, not started. Options are validated here; children share them. */
  constructor(name: string, options?: PerfTimerOptions) {
    // `interval` hands the parent over here, which keeps it out of the public signature
    const parent = nextParent;
    nextParent = undefined;
    checkName(name);
    if (parent === undefined) {
      const settings = resolveOptions(PKG, options, RULES, DEFAULT_PERF_TIMER_OPTIONS);
      if (settings.cpu) requireCpuUsage();
      const clock = treeClock(settings.clock);
      this.#settings = clock === settings.clock ? settings : { ...settings, clock };
    } else {
      this.#settings = parent.#settings;
    }
    this.name = name;
    this.parent = parent;
    this.depth = parent === undefined ? 0 : parent.depth + 1;
  }

  /** Makes a child interval, not started. Each call makes a new child, even for a known name. */
  interval(name: string): PerfTimer {
    nextParent = this;
    const child = new PerfTimer(name);
    this.#children.push(child);
    return child;
  }

  /** Makes a child interval and starts it: `using db = timer.time('db')` stops it at scope end. */
  time(name: string): PerfTimer {
    return this.interval(name).start();
  }

  /** Records a mark (an event) now, as a child of this interval. */
  mark(name: string): Mark {
    checkName(name);
    const mark = new Mark(name, this, this.#settings.clock.now(), this.#settings.epoch);
    this.#children.push(mark);
    return mark;
  }

  /** Starts the interval now. Throws `TimerStateError` if it was started before. */
  start(): this {
    if (this.#start !== undefined) {
      throw new TimerStateError(`${PKG}: timer "${this.name}" has already been started`, this.name);
    }
    if (this.#settings.cpu) this.#cpuStart = cpuNow();
    this.#start = this.#settings.clock.now();
    return this;
  }

  /** Stops the interval now. Throws `TimerStateError` unless it is running. */
  stop(): this {
    if (this.#start === undefined || this.#end !== undefined) {
      const why = this.#start === undefined ? 'has not been started' : 'has already been stopped';
      throw new TimerStateError(`${PKG}: timer "${this.name}" ${why}`, this.name);
    }
    this.#end = this.#settings.clock.now();
    if (this.#cpuStart !== undefined) this.#cpu = cpuDelta(this.#cpuStart);
    return this;
  }

  /**
   * Stops the interval if it is running, so `using` never throws; otherwise does nothing. A clock
   * that cannot read now (it throws, or reads no finite number) leaves the interval running and
   * is reported (`reportListenerError`, source `@dyno/timing clock`): a throw at the end of a
   * scope would replace the error the scope ends with.
   */
  [Symbol.dispose](): void {
    if (this.state !== 'running') return;
    try {
      this.stop();
    } catch (failure) {
      reportListenerError(failure, `${PKG} clock`);
    }
  }

  /** Whether the interval is idle (never started), running or stopped. */
  get state(): TimerState {
    if (this.#start === undefined) return 'idle';
    return this.#end === undefined ? 'running' : 'stopped';
  }

  /** When the interval started, on the clock (ms); `undefined` if never started. */
  get startTime(): number | undefined {
    return this.#start;
  }

  /** When the interval stopped, on the clock (ms); `undefined` unless stopped. */
  get endTime(): number | undefined {
    return this.#end;
  }

  /** In ms: to the stop, or to now while running; `undefined` if never started. */
  get duration(): number | undefined {
    if (this.#start === undefined) return undefined;
    return (this.#end ?? this.#settings.clock.now()) - this.#start;
  }

  /** The CPU time of the process over the interval, when recorded and stopped. */
  get cpu(): CpuUsage | undefined {
    return this.#cpu;
  }

  /** The direct children, intervals and marks, in the order they were made. */
  get children(): readonly TimerNode[] {
    return this.#children;
  }

  /** The wall-clock time at which the clock read 0 (the root's `epoch` option). */
  get epoch(): number {
    return this.#settings.epoch;
  }

  /** The number of nodes in this subtree, this interval included. */
  get size(): number {
    let n = 1;
    for (const child of this.#children) n += child.kind === 'mark' ? 1 : child.size;
    return n;
  }

  /**
   * Walks this subtree in pre-order: this interval, then each child's subtree in order. (A method
   * rather than `[Symbol.iterator]`: an iterable that yields itself sends deep-equality helpers
   * such as jest's `toEqual` into endless recursion.)
   */
  *walk(): IterableIterator<TimerNode> {
    yield this;
    for (const child of this.#children) {
      if (child.kind === 'mark') yield child;
      else yield* child.walk();
    }
  }

  /**
   * The text timeline: one line per start (`+`), mark (`-`) and stop (`=`) in time order, each
   * with its offset from the earliest time in the subtree, indented with `| ` per tree level.
   */
  timeline(): string {
    return timeline(this);
  }

  /** A `Server-Timing` header value with a metric per started interval and per mark. */
  serverTiming(options?: ServerTimingOptions): string {
    return serverTiming(this, options);
  }

  /** The plain JSON form of this subtree (`JSON.stringify(timer)` uses it). */
  toJSON(): IntervalJSON {
    const { epoch } = this.#settings;
    const duration = readDuration(this);
    return {
      kind: 'interval',
      name: this.name,
      start: this.#start === undefined ? null : epoch + this.#start,
      end: this.#end === undefined ? null : epoch + this.#end,
      duration: duration === undefined ? null : duration,
      ...(this.#cpu === undefined ? {} : { cpu: this.#cpu }),
      children: this.#children.map((c) => c.toJSON()),
    };
  }

  /** The text timeline. */
  toString(): string {
    return this.timeline();
  }
}

// `Mark` lives in this module with `PerfTimer` because each names the other in its public types
// (`Mark.parent`, `PerfTimer.mark()`): in two modules they would import each other.

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

function checkName(name: unknown): asserts name is string {
  check(PKG, 'name', name, is.string);
}
