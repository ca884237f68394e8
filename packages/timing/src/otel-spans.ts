import { check, type Rule, validate } from '@dyno/core';
import { readDuration } from './internal/read-duration.js';
import type { PerfTimer, TimerNode } from './perf-timer.js';

// Structural types: a Tracer, Span and Context from `@opentelemetry/api` 1.x fit them, and this
// package imports nothing from it (no dependency, not even an optional one).

/** OpenTelemetry's high-resolution time: `[seconds, nanoseconds]` since 1970. */
export type HrTime = [number, number];

/** The part of an OpenTelemetry `Context` that `exportSpans` uses. */
export interface SpanContextLike {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): SpanContextLike;
  deleteValue(key: symbol): SpanContextLike;
}

/** The part of an OpenTelemetry `Span` that `exportSpans` uses. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  addEvent(name: string, attributesOrStartTime?: HrTime, startTime?: HrTime): unknown;
  end(endTime?: HrTime): void;
}

/** The part of an OpenTelemetry `Tracer` that `exportSpans` uses. */
export interface TracerLike {
  startSpan(
    name: string,
    options?: { startTime?: HrTime; attributes?: Record<string, string | number | boolean> },
    context?: SpanContextLike,
  ): SpanLike;
}

/** Options of `exportSpans`. */
export interface ExportSpansOptions {
  /**
   * The context the root span is started in, usually `context.active()` so that the timer tree
   * hangs under the current request's span.
   * @default an empty context: the root span starts a new trace
   */
  readonly context?: SpanContextLike | undefined;
}

// The key under which @opentelemetry/api keeps a context's span; the API makes its keys with
// `Symbol.for` precisely so that every copy and version of it agrees on them.
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/** An immutable, empty context, for a root span with no parent. */
class EmptyContext implements SpanContextLike {
  readonly #values: ReadonlyMap<symbol, unknown>;
  constructor(values: ReadonlyMap<symbol, unknown> = new Map()) {
    this.#values = values;
  }
  getValue(key: symbol): unknown {
    return this.#values.get(key);
  }
  setValue(key: symbol, value: unknown): SpanContextLike {
    return new EmptyContext(new Map(this.#values).set(key, value));
  }
  deleteValue(key: symbol): SpanContextLike {
    const values = new Map(this.#values);
    values.delete(key);
    return new EmptyContext(values);
  }
}

const TRACER: Rule = Object.freeze({
  expected: 'a Tracer (an object with a `startSpan` method)',
  test: (v: unknown) =>
    typeof v === 'object' && v !== null && typeof (v as TracerLike).startSpan === 'function'
      ? undefined
      : 'type',
});
const CONTEXT: Rule = Object.freeze({
  expected: 'a Context (with `getValue` and `setValue`)',
  test: (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as SpanContextLike).getValue === 'function' &&
    typeof (v as SpanContextLike).setValue === 'function'
      ? undefined
      : 'type',
});

/** Epoch milliseconds as `[seconds, nanoseconds]`, exact to the nanosecond where doubles allow. */
function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

/**
 * Exports `timer`'s subtree as OpenTelemetry spans through `tracer` (`trace.getTracer(...)`):
 * a span per started interval, started and ended at the interval's own times (a running one
 * ends now, with the attribute `dyno.timing.running`), each the child of the span of its nearest
 * started ancestor; a span event per mark on that span; the CPU time, when recorded, as the
 * attributes `dyno.timing.cpu.user_us` and `dyno.timing.cpu.system_us`. Returns the span of
 * `timer`, or `undefined` when it was never started (its started descendants are then exported
 * under `options.context`).
 */
export function exportSpans(
  timer: PerfTimer,
  tracer: TracerLike,
  options?: ExportSpansOptions,
): SpanLike | undefined {
  check('@dyno/timing', 'tracer', tracer, TRACER);
  const { context } = validate<ExportSpansOptions>('@dyno/timing', options, { context: CONTEXT });
  return exportInterval(timer, { tracer, context: context ?? new EmptyContext(), span: undefined });
}

/**
 * Where a node's span or event goes: the tracer, the context new spans start in, and the span of
 * the nearest started ancestor (events are added to it).
 */
interface Target {
  readonly tracer: TracerLike;
  readonly context: SpanContextLike;
  readonly span: SpanLike | undefined;
}

function exportInterval(interval: PerfTimer, into: Target): SpanLike | undefined {
  const start = interval.startTime;
  if (start === undefined) {
    // never started: its children go to the nearest started ancestor
    for (const child of interval.children) exportChild(child, into);
    return undefined;
  }
  const { tracer, context } = into;
  const epoch = interval.epoch;
  const span = tracer.startSpan(interval.name, { startTime: hrTime(epoch + start) }, context);
  const inner: Target = { tracer, context: context.setValue(SPAN_KEY, span), span };
  for (const child of interval.children) exportChild(child, inner);
  const cpu = interval.cpu;
  if (cpu !== undefined) {
    span.setAttribute('dyno.timing.cpu.user_us', cpu.user);
    span.setAttribute('dyno.timing.cpu.system_us', cpu.system);
  }
  const running = interval.endTime === undefined;
  if (running) span.setAttribute('dyno.timing.running', true);
  span.end(endTime(interval, epoch + start));
  return span;
}

/**
 * When an interval's span ends: at its end, or now on the timer's clock while it runs; when that
 * clock cannot read now, at the tracer's own now (`end()` with no time). A throw here would leave
 * the spans already started for this tree, this one and its ancestors, never ended.
 */
function endTime(interval: PerfTimer, start: number): HrTime | undefined {
  const duration = readDuration(interval);
  return duration === undefined ? undefined : hrTime(start + duration);
}

function exportChild(node: TimerNode, into: Target): void {
  if (node.kind === 'interval') exportInterval(node, into);
  else into.span?.addEvent(node.name, hrTime(node.epoch + node.time));
}
