import { ManualClock } from '@dyno/core/testing';
import { toHystrixCommand } from './hystrix-format.js';
import { Metrics } from './metrics.js';
import { registerOtelMetrics } from './otel/index.js';
import { prometheusText } from './prometheus.js';
import { MetricsRegistry } from './registry.js';
import { FakeShedder } from './test-support/fakes.js';
import { of, points, setup } from './test-support/otel.js';
import { openMetricsCheck, promtoolCheck } from './test-support/promtool.js';

const none = { critical: 0, sheddable: 0 };

/** A shedder that let 3 requests through (one of each class) and shed 4. */
function observed(name = 'api', shedderName = 'edge') {
  const clock = new ManualClock();
  const metrics = new Metrics({ name, clock });
  const shedder = new FakeShedder(shedderName);
  const subscription = metrics.observe(shedder);
  shedder.let('health');
  shedder.let('critical', 2);
  shedder.let('sheddable');
  shedder.refuse('limit', 'sheddable', 2);
  shedder.refuse('limit', 'critical');
  shedder.refuse('event-loop', 'sheddable');
  return { clock, metrics, shedder, subscription };
}

describe('Metrics.observe(shedder)', () => {
  it('counts admitted requests by priority and shed ones by reason and priority', () => {
    const { metrics } = observed();
    const counts = {
      admitted: 4,
      refused: 4,
      admittedBy: { health: 1, critical: 2, sheddable: 1 },
      refusedBy: {
        limit: { critical: 1, sheddable: 2 },
        'event-loop': { critical: 0, sheddable: 1 },
        closed: none,
      },
    };
    expect(metrics.snapshot().shed).toEqual({ name: 'edge', ...counts, totals: counts });
  });

  it('rolls the window and keeps the totals; never counts them as call outcomes', async () => {
    const { clock, metrics, shedder } = observed();
    await clock.advance(10_000);
    shedder.refuse('closed', 'critical');
    const s = metrics.snapshot();
    expect(s.shed?.admitted).toBe(0);
    expect(s.shed?.refusedBy.closed).toEqual({ critical: 1, sheddable: 0 });
    expect(s.shed?.totals).toMatchObject({ admitted: 4, refused: 5 });
    expect(s.requests).toBe(0);
    expect(s.totals.rejected).toBe(0);
  });

  it('adds the window counts to the Hystrix command (dynoShedAdmitted, dynoShedRefused)', () => {
    const { metrics } = observed();
    const command = toHystrixCommand(metrics.snapshot(), 0);
    expect(command).toMatchObject({ dynoShedAdmitted: 4, dynoShedRefused: 4 });
    const plain = toHystrixCommand(new Metrics({ clock: new ManualClock() }).snapshot(), 0);
    expect(plain).not.toHaveProperty('dynoShedAdmitted');
  });

  it('ignores a class or reason it does not know', () => {
    const { metrics, shedder } = observed();
    shedder.let('urgent');
    shedder.refuse('limit', 'health');
    shedder.refuse('maintenance', 'critical');
    expect(metrics.snapshot().shed).toMatchObject({ admitted: 4, refused: 4 });
  });

  it('stops counting, and shows no shedder, once the subscription is disposed', () => {
    const { metrics, shedder, subscription } = observed();
    subscription.dispose();
    shedder.let('critical');
    expect(metrics.snapshot().shed).toBeNull();
    expect(new Metrics({ clock: new ManualClock() }).snapshot().shed).toBeNull();
  });

  it('continues the counts of a shedder observed after another', () => {
    const { metrics } = observed();
    const next = new FakeShedder('edge-2');
    metrics.observe(next);
    next.let('critical');
    expect(metrics.snapshot().shed).toMatchObject({ name: 'edge-2', admitted: 5 });
  });

  it('refuses a source with only one of onAdmit and onShed, naming what a shedder needs', () => {
    const metrics = new Metrics({ clock: new ManualClock() });
    const half = { name: 's', onAdmit: new FakeShedder().onAdmit };
    expect(() => metrics.observe(half as never)).toThrow(
      /a load shedder \(name, onAdmit, onShed\); received/,
    );
  });
});

describe('prometheusText: the load shedder', () => {
  it('passes `promtool check metrics`, and the OpenMetrics parser', () => {
    const { metrics } = observed('api "v1"', 'edge\\shed');
    const checked = promtoolCheck(prometheusText(metrics, { labels: { service: 'shop' } }));
    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);
    const open = openMetricsCheck(prometheusText(metrics, { format: 'openmetrics' }));
    expect(open.output).toBe('');
    expect(open.status).toBe(0);
  });

  it('writes every admitted and refused series since start, zeros included', () => {
    const text = prometheusText(observed().metrics);
    const l = 'name="api",shedder="edge"';
    expect(text).toMatch(/^# TYPE dyno_shed_admitted_total counter$/m);
    expect(text).toContain(`dyno_shed_admitted_total{${l},priority="health"} 1\n`);
    expect(text).toContain(`dyno_shed_admitted_total{${l},priority="critical"} 2\n`);
    expect(text).toContain(`dyno_shed_admitted_total{${l},priority="sheddable"} 1\n`);
    expect(text).toMatch(/^# TYPE dyno_shed_refused_total counter$/m);
    const refused = (reason: string, priority: string, n: number) =>
      `dyno_shed_refused_total{${l},reason="${reason}",priority="${priority}"} ${n}\n`;
    expect(text).toContain(refused('limit', 'critical', 1));
    expect(text).toContain(refused('limit', 'sheddable', 2));
    expect(text).toContain(refused('event-loop', 'critical', 0));
    expect(text).toContain(refused('event-loop', 'sheddable', 1));
    expect(text).toContain(refused('closed', 'critical', 0));
    expect(text).toContain(refused('closed', 'sheddable', 0));
    expect(text.match(/^dyno_shed_/gm)).toHaveLength(9);
  });

  it('writes none for a Metrics that observes no shedder', () => {
    const text = prometheusText(new Metrics({ name: 'plain', clock: new ManualClock() }));
    expect(text).not.toContain('dyno_shed_');
  });

  it('refuses the label names these families use as common labels', () => {
    const { metrics } = observed();
    for (const label of ['shedder', 'reason', 'priority']) {
      expect(() => prometheusText(metrics, { labels: { [label]: 'x' } })).toThrow(
        /invalid or reserved label name/,
      );
    }
  });
});

describe('registerOtelMetrics: the load shedder', () => {
  it('reports admitted and refused requests, continued across a re-created name', async () => {
    const { meter, provider, collect } = await setup();
    const registry = new MetricsRegistry({ metrics: { clock: new ManualClock() } });
    registerOtelMetrics(meter, registry);
    const shedder = new FakeShedder('edge');
    registry.get('api').observe(shedder);
    shedder.let('critical', 2);
    shedder.let('health');
    shedder.refuse('event-loop', 'sheddable', 3);
    const rm = await collect();
    const a = { 'dyno.name': 'api', 'dyno.shed.name': 'edge' };
    const admitted = points(rm, 'dyno.shed.admitted');
    expect(of(admitted, { ...a, 'dyno.shed.priority': 'critical' })).toBe(2);
    expect(of(admitted, { ...a, 'dyno.shed.priority': 'health' })).toBe(1);
    expect(of(admitted, { ...a, 'dyno.shed.priority': 'sheddable' })).toBe(0);
    const refused = points(rm, 'dyno.shed.refused');
    expect(refused).toHaveLength(6);
    const at = (reason: string, priority: string) =>
      of(refused, { ...a, 'dyno.shed.reason': reason, 'dyno.shed.priority': priority });
    expect(at('event-loop', 'sheddable')).toBe(3);
    expect(at('limit', 'critical')).toBe(0);

    registry.delete('api');
    const again = new FakeShedder('edge');
    registry.get('api').observe(again);
    again.refuse('event-loop', 'sheddable');
    const later = await collect();
    expect(
      of(points(later, 'dyno.shed.refused'), {
        ...a,
        'dyno.shed.reason': 'event-loop',
        'dyno.shed.priority': 'sheddable',
      }),
    ).toBe(4);
    await provider.shutdown();
  });

  it('reports nothing for a Metrics that observes no shedder', async () => {
    const { meter, provider, collect } = await setup();
    registerOtelMetrics(meter, new Metrics({ name: 'plain', clock: new ManualClock() }));
    const rm = await collect();
    expect(points(rm, 'dyno.shed.admitted')).toEqual([]);
    await provider.shutdown();
  });
});
