import { FailingClock, listenerReports, ManualClock, OddClock } from '@dyno/core/testing';
import { exportSpans, type HrTime, type SpanContextLike, type TracerLike } from './otel-spans.js';
import { PerfTimer } from './perf-timer.js';

// What @opentelemetry/api's `trace.getSpan(context)` reads.
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

interface Recorded {
  name: string;
  parent: string | undefined;
  start: HrTime | undefined;
  end?: HrTime | undefined;
  attributes: Record<string, unknown>;
  events: [string, HrTime | undefined][];
}

/** A tracer that records spans and finds each one's parent as an SDK does. */
function recorder() {
  const spans: Recorded[] = [];
  const tracer: TracerLike = {
    startSpan(name, options, context) {
      const parent = context?.getValue(SPAN_KEY) as { record: Recorded } | undefined;
      const record: Recorded = {
        name,
        parent: parent?.record.name,
        start: options?.startTime,
        attributes: {},
        events: [],
      };
      spans.push(record);
      return {
        record,
        setAttribute: (key: string, value: unknown) => {
          record.attributes[key] = value;
        },
        addEvent: (event: string, time?: HrTime) => void record.events.push([event, time]),
        end: (time?: HrTime) => {
          record.end = time;
        },
      };
    },
  };
  return { spans, tracer };
}

function request() {
  const clock = new ManualClock();
  const epoch = 1_700_000_000_000;
  const root = new PerfTimer('request', { clock, epoch }).start();
  const db = root.time('db');
  clock.set(1.25);
  db.mark('connected');
  clock.set(4);
  db.stop();
  const idle = root.interval('never started');
  const inner = idle.time('inside idle');
  idle.mark('mark in idle');
  clock.set(5);
  inner.stop();
  const render = root.time('render');
  clock.set(7.5);
  return { clock, root, render };
}

describe('exportSpans', () => {
  it('exports the timer tree as spans with the intervals own times, marks as events', () => {
    const { root, render } = request();
    render.stop();
    root.stop();
    const { spans, tracer } = recorder();
    const span = exportSpans(root, tracer);
    expect((span as unknown as { record: Recorded }).record.name).toBe('request');
    expect(spans).toEqual([
      {
        name: 'request',
        parent: undefined,
        start: [1_700_000_000, 0],
        end: [1_700_000_000, 7_500_000],
        attributes: {},
        // a mark of an interval never started goes to the nearest started ancestor
        events: [['mark in idle', [1_700_000_000, 4_000_000]]],
      },
      {
        name: 'db',
        parent: 'request',
        start: [1_700_000_000, 0],
        end: [1_700_000_000, 4_000_000],
        attributes: {},
        events: [['connected', [1_700_000_000, 1_250_000]]],
      },
      {
        name: 'inside idle',
        parent: 'request', // its own parent was never started
        start: [1_700_000_000, 4_000_000],
        end: [1_700_000_000, 5_000_000],
        attributes: {},
        events: [],
      },
      {
        name: 'render',
        parent: 'request',
        start: [1_700_000_000, 5_000_000],
        end: [1_700_000_000, 7_500_000],
        attributes: {},
        events: [],
      },
    ]);
  });

  it('ends a running interval now and says it was running', () => {
    const { clock, root } = request();
    clock.set(9);
    const { spans, tracer } = recorder();
    exportSpans(root, tracer);
    const render = spans.find((s) => s.name === 'render');
    expect(render?.end).toEqual([1_700_000_000, 9_000_000]);
    expect(render?.attributes).toEqual({ 'dyno.timing.running': true });
  });

  it('ends every span it started, at the tracer time, when the clock cannot read a running one', async () => {
    const failing = new FailingClock();
    const odd = new OddClock();
    for (const [clock, spoil] of [
      [failing, () => (failing.failing = true)],
      [odd, () => (odd.read = () => Number.NaN)],
    ] as const) {
      const root = new PerfTimer('request', { clock, epoch: 0 }).start();
      root.time('db').stop();
      root.time('render');
      spoil();
      const ends: (HrTime | undefined)[] = [];
      let started = 0;
      const tracer: TracerLike = {
        startSpan: () => {
          started++;
          return {
            setAttribute: () => {},
            addEvent: () => {},
            end: (time) => void ends.push(time),
          };
        },
      };
      const reports = await listenerReports(() => exportSpans(root, tracer));
      expect([started, ends]).toEqual([3, [[0, 0], undefined, undefined]]);
      expect(reports.map((r) => r.source)).toEqual(['@dyno/timing clock', '@dyno/timing clock']);
    }
  });

  it('hangs the root under the given context, keeping its values', () => {
    const { root } = request();
    const OTHER = Symbol('baggage');
    const values = new Map<symbol, unknown>([
      [SPAN_KEY, { record: { name: 'http server' } }],
      [OTHER, 'kept'],
    ]);
    const context: SpanContextLike = {
      getValue: (key) => values.get(key),
      setValue(key, value) {
        const next = new Map(values).set(key, value);
        return { ...context, getValue: (k: symbol) => next.get(k) };
      },
      deleteValue: () => context,
    };
    const seen: unknown[] = [];
    const { spans, tracer } = recorder();
    const spy: TracerLike = {
      startSpan(name, options, ctx) {
        seen.push(ctx?.getValue(OTHER));
        return tracer.startSpan(name, options, ctx);
      },
    };
    exportSpans(root, spy, { context });
    expect(spans.map((s) => [s.name, s.parent])).toEqual([
      ['request', 'http server'],
      ['db', 'request'],
      ['inside idle', 'request'],
      ['render', 'request'],
    ]);
    expect(seen).toEqual(['kept', 'kept', 'kept', 'kept']);
  });

  it('records CPU time as attributes', () => {
    const timer = new PerfTimer('cpu', { cpu: true }).start();
    timer.stop();
    const { spans, tracer } = recorder();
    exportSpans(timer, tracer);
    expect(spans[0]?.attributes).toEqual({
      'dyno.timing.cpu.user_us': timer.cpu?.user,
      'dyno.timing.cpu.system_us': timer.cpu?.system,
    });
  });

  it('exports nothing for a timer never started, but its started children', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('idle', { clock, epoch: 0 });
    root.mark('dropped: no span to hold it');
    root.time('child').stop();
    const { spans, tracer } = recorder();
    expect(exportSpans(root, tracer)).toBeUndefined();
    expect(spans.map((s) => [s.name, s.parent, s.start])).toEqual([['child', undefined, [0, 0]]]);
  });

  it('carries sub-millisecond times into nanoseconds', () => {
    const clock = new ManualClock();
    const root = new PerfTimer('t', { clock, epoch: 999.9999995 }).start();
    clock.set(0.0000004);
    root.stop();
    const { spans, tracer } = recorder();
    exportSpans(root, tracer);
    expect(spans[0]?.start).toEqual([1, 0]);
    expect(spans[0]?.end).toEqual([1, 0]);
  });

  it('rejects a bad tracer or context with clear errors', () => {
    const root = new PerfTimer('t');
    expect(() => exportSpans(root, {} as never)).toThrow(
      new TypeError(
        '@dyno/timing: option `tracer` must be a Tracer (an object with a `startSpan` method); received an object',
      ),
    );
    expect(() => exportSpans(root, recorder().tracer, { context: 5 as never })).toThrow(
      new TypeError(
        '@dyno/timing: option `context` must be a Context (with `getValue` and `setValue`); received 5',
      ),
    );
    expect(() => exportSpans(root, recorder().tracer, 'x' as never)).toThrow(TypeError);
    expect(() => exportSpans(root, recorder().tracer, { parent: {} } as never)).toThrow(
      new TypeError('@dyno/timing: unknown option `parent` (known: context)'),
    );
  });
});
